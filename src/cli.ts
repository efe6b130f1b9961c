// `npm run cli -- <command>`: operator commands, one entry each in the table below.

import { type DataCommand, dataCommands } from "./operator-commands.ts";
import { BackupRefused, backupDataDir, restoreDataDir } from "./platform/backup.ts";
import { withDatabase } from "./platform/cli-database.ts";
import { askRunningServer } from "./platform/cli-socket.ts";
import { ConfigError, loadConfig, withConfigFile } from "./platform/config.ts";
import { maskedConfig } from "./platform/config-mask.ts";
import { DataDirInUse } from "./platform/data-dir-lock.ts";

type Command = { summary: string; run(args: string[]): Promise<number> };

const commands: Record<string, Command> = {
  config: {
    summary: "print the effective configuration (from the environment), secrets masked",
    async run() {
      console.log(
        JSON.stringify(
          maskedConfig(loadConfig(withConfigFile())),
          (_k, v) => (v === undefined ? null : v),
          2,
        ),
      );
      return 0;
    },
  },
  backup: {
    summary: "backup <file>: dump the embedded database (DATA_DIR) to a file; stop the server first",
    async run([file]) {
      const config = loadConfig(withConfigFile());
      if (config.databaseUrl) return postgresInstead('pg_dump --format=custom --file <file> "$DATABASE_URL"');
      if (!file) throw new BackupRefused("usage: npm run cli -- backup <file>");
      const { bytes } = await backupDataDir(config.dataDir, file);
      console.log(`backed up ${config.dataDir} to ${file} (${bytes} bytes)`);
      return 0;
    },
  },
  restore: {
    summary: "restore <file>: restore a backup into an empty DATA_DIR (embedded database)",
    async run([file]) {
      const config = loadConfig(withConfigFile());
      if (config.databaseUrl)
        return postgresInstead('pg_restore --clean --if-exists --dbname "$DATABASE_URL" <file>');
      if (!file) throw new BackupRefused("usage: npm run cli -- restore <file>");
      await restoreDataDir(file, config.dataDir);
      console.log(`restored ${file} into ${config.dataDir}`);
      return 0;
    },
  },
  // The commands that change data: on the embedded default, handed to the running server if one holds
  // the data folder (platform/cli-socket.ts), else run on a connection of their own.
  ...Object.fromEntries(
    Object.entries(dataCommands).map(([name, command]) => [
      name,
      { summary: command.summary, run: (args: string[]) => runDataCommand(name, command, args) },
    ]),
  ),
};

async function runDataCommand(name: string, command: DataCommand, args: string[]): Promise<number> {
  const config = loadConfig(withConfigFile());
  if (!config.databaseUrl) {
    const answered = await askRunningServer(config.dataDir, [name, ...args], console);
    if (answered !== null) return answered;
  }
  return withDatabase((db, opened) => command.run(db, opened, args, new Date(), console));
}

function postgresInstead(command: string): number {
  console.error(`DATABASE_URL is set: back up and restore PostgreSQL with its own tools, e.g.\n  ${command}`);
  return 2;
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(20)}${c.summary}`);
  return `usage: npm run cli -- <command>\n\ncommands:\n${lines.join("\n")}`;
}

const [name, ...args] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  console.error(usage());
  process.exit(name ? 2 : 0);
}
try {
  process.exitCode = await command.run(args);
} catch (error) {
  if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
  else if (error instanceof DataDirInUse || error instanceof BackupRefused)
    console.error(`Hoviat: ${error.message}`);
  else throw error;
  process.exitCode = 1;
}
