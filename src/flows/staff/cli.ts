// `npm run cli -- staff:create --username … --name … --role admin|branch_operator [--branch CODE]`:
// the first admin is made here, outside the console, with a one-time password printed once;
// `branch:create --code … --name …` makes the branch an operator belongs to, before any admin exists.
import { parseArgs } from "node:util";
import { t } from "../../messages/index.ts";
import { CLI_CLIENT, type Out } from "../../platform/cli-database.ts";
import type { Db } from "../../platform/database.ts";
import { InvalidInput } from "../../platform/problems.ts";
import { createBranch } from "./admin.ts";
import { recordAudit } from "./audit.ts";
import { createStaff } from "./service.ts";

function printInvalid(error: unknown, out: Out, flag: (field: string) => string): number {
  if (!(error instanceof InvalidInput)) throw error;
  for (const e of error.errors) out.error(`--${flag(e.field)}: ${t("en", `errors.${e.code}`)}`);
  return 2;
}

export async function createBranchFromArgs(db: Db, argv: string[], now: Date, out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { code: { type: "string" }, name: { type: "string" } },
  });
  try {
    const branch = await createBranch(db, null, { code: values.code, name: values.name }, CLI_CLIENT, now);
    out.log(`branch created: ${branch.code} (${branch.name})`);
    return 0;
  } catch (error) {
    return printInvalid(error, out, (field) => field);
  }
}

/** The command on an open database: what the CLI runs, and what tests run in-process. */
export async function createStaffFromArgs(db: Db, argv: string[], now: Date, out: Out): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      username: { type: "string" },
      name: { type: "string" },
      role: { type: "string", default: "admin" },
      branch: { type: "string" },
    },
  });
  const branch = values.branch
    ? await db.selectFrom("branches").select("id").where("code", "=", values.branch).executeTakeFirst()
    : undefined;
  if (values.branch && !branch) {
    out.error(`no branch with code ${values.branch}`);
    return 1;
  }
  try {
    const input = { username: values.username, name: values.name, role: values.role, branchId: branch?.id };
    const created = await createStaff(db, input, now);
    const details = { username: created.username, role: created.role };
    await recordAudit(db, null, { action: "cli.staff.created", details }, CLI_CLIENT, now);
    out.log(`staff account created: ${created.username} (${created.role})
one-time password: ${created.password}

Next: open /staff, sign in with this username and password. The console then shows a TOTP secret
(and its otpauth:// link): add it to an authenticator app (Google Authenticator, FreeOTP, Aegis, …)
and enter the 6-digit code it shows. Every later sign-in asks for the password and a fresh code.`);
    return 0;
  } catch (error) {
    return printInvalid(error, out, (field) => (field === "branchId" ? "branch" : field));
  }
}
