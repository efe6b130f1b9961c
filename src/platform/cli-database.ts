// What every operator command (`npm run cli -- …`) that touches data shares: the configured database,
// migrated, on one connection, closed however the command ends; and where its words go.
import { type Config, loadConfig } from "./config.ts";
import { type Db, openDatabase } from "./database.ts";
import { migrate } from "./migrate.ts";

/** Where a command prints: the console, or a test's collector. */
export type Out = { log(text: string): void; error(text: string): void };

/** The client of an action taken from the shell, for the audit log. */
export const CLI_CLIENT = { ip: null, userAgent: "cli" };

export async function withDatabase(run: (db: Db, config: Config) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 1,
  });
  try {
    await migrate(database.db);
    return await run(database.db, config);
  } finally {
    await database.close();
  }
}
