// The operator's commands that change data (`npm run cli -- …`), each run on an open database: by the
// CLI on its own connection, or, on the embedded default while the server holds the data folder, by
// the server itself for the CLI (platform/cli-socket.ts). Either way audited with the CLI as actor.
import { createClientFromArgs, rotateKeysCommand } from "./flows/oidc/cli.ts";
import { createBranchFromArgs, createStaffFromArgs } from "./flows/staff/cli.ts";
import type { Out } from "./platform/cli-database.ts";
import type { Config } from "./platform/config.ts";
import type { Db } from "./platform/database.ts";

export type DataCommand = {
  summary: string;
  run(db: Db, config: Config, argv: string[], now: Date, out: Out): Promise<number>;
};

export const dataCommands: Record<string, DataCommand> = {
  "staff:create": {
    summary: "create a staff account: --username --name --role admin|branch_operator [--branch CODE]",
    run: (db, _config, argv, now, out) => createStaffFromArgs(db, argv, now, out),
  },
  "branch:create": {
    summary: "create a branch: --code CODE --name NAME (before its operators)",
    run: (db, _config, argv, now, out) => createBranchFromArgs(db, argv, now, out),
  },
  "oidc-client:create": {
    summary: "register or update an e-service: --id --name --redirect-uri … (see README, Single sign-on)",
    run: (db, config, argv, now, out) => createClientFromArgs(db, config.secretKey, argv, now, out),
  },
  "oidc-keys:rotate": {
    summary: "new ES256 and RS256 signing keys: published now, signing after OIDC_KEY_GRACE_MINUTES",
    run: (db, config, _argv, now, out) =>
      rotateKeysCommand(db, now, config.oidcKeyGraceMinutes * 60_000, out),
  },
};

/** What the server runs for the CLI's socket: one of the commands above, on the server's database. */
export function runForCli(db: Db, config: Config) {
  return async (argv: string[], out: Out): Promise<number> => {
    const [name, ...args] = argv;
    const command = name ? dataCommands[name] : undefined;
    if (!command) {
      out.error(`not a command the running server takes: ${name ?? "(none)"}`);
      return 2;
    }
    return command.run(db, config, args, new Date(), out);
  };
}
