// An empty, unmigrated database for the tests of the migrations themselves: PGlite in a fresh data
// folder, or with DATABASE_URL a fresh PostgreSQL database beside it, dropped again by `close`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatabaseHandle, openDatabase } from "../../src/platform/database.ts";
import { freshPostgres } from "./template.ts";

export async function openEmptyDatabase(): Promise<{ database: DatabaseHandle; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-empty-"));
  const pgdb = process.env.DATABASE_URL ? await freshPostgres(process.env.DATABASE_URL) : undefined;
  const database = await openDatabase({ databaseUrl: pgdb?.url, dataDir });
  return {
    database,
    async close() {
      await database.close();
      await pgdb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
