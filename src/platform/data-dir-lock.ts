// The embedded database belongs to one process at a time: two PGlite engines on one folder would
// corrupt it. The owner's pid is kept in the folder; a pid whose process is gone is a stale lock
// (a killed server) and is taken over.
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class DataDirInUse extends Error {
  override name = "DataDirInUse";
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the folder for this process, or throws DataDirInUse; returns the release function. */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, "hoviat.pid");
  const mine = String(process.pid);
  try {
    writeFileSync(path, mine, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const owner = Number.parseInt(readFileSync(path, "utf8"), 10);
    if (owner && alive(owner)) {
      throw new DataDirInUse(
        `the embedded database in ${dir} is in use by process ${owner}: stop it first (or use DATABASE_URL)`,
      );
    }
    writeFileSync(path, mine);
  }
  return () => {
    try {
      if (readFileSync(path, "utf8") === mine) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
}
