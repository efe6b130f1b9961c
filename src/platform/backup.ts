// Backups of the embedded database: PGlite's own dump of the data folder (a gzipped tar), taken and
// restored while no server holds the folder. PostgreSQL is backed up with pg_dump (see the README).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { lockDataDir } from "./data-dir-lock.ts";

export class BackupRefused extends Error {
  override name = "BackupRefused";
}

const LOCK_FILE = "hoviat.pid";

/** Writes a dump of `dataDir` to `file`; throws DataDirInUse while a server holds the folder. */
export async function backupDataDir(dataDir: string, file: string): Promise<{ bytes: number }> {
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    throw new BackupRefused(`no embedded database in ${dataDir} (DATA_DIR) to back up`);
  }
  const release = lockDataDir(dataDir);
  try {
    const lite = await PGlite.create(dataDir);
    try {
      const dump = await lite.dumpDataDir("gzip");
      const bytes = Buffer.from(await dump.arrayBuffer());
      writeFileSync(file, bytes, { flag: "wx" });
      return { bytes: bytes.length };
    } finally {
      await lite.close();
    }
  } finally {
    release();
  }
}

/** Restores a dump into `dataDir`, which must not hold a database already (nothing is overwritten). */
export async function restoreDataDir(file: string, dataDir: string): Promise<void> {
  if (!existsSync(file)) throw new BackupRefused(`no backup file ${file}`);
  mkdirSync(dataDir, { recursive: true });
  const present = readdirSync(dataDir).filter((name) => name !== LOCK_FILE);
  if (present.length) {
    throw new BackupRefused(
      `${dataDir} (DATA_DIR) is not empty: restore into a new folder, then point DATA_DIR at it`,
    );
  }
  const release = lockDataDir(dataDir);
  try {
    const lite = await PGlite.create(dataDir, { loadDataDir: new Blob([readFileSync(file)]) });
    try {
      await lite.query("select 1");
    } finally {
      await lite.close();
    }
  } finally {
    release();
  }
}
