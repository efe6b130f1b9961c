// The embedded data folder belongs to one process: a second opener (a CLI run while `npm start`
// serves, a second server) is refused at once instead of corrupting the database.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DataDirInUse } from "../src/platform/data-dir-lock.ts";
import { openDatabase } from "../src/platform/database.ts";
import { onPostgres } from "./helpers/system.ts";

test("a second opener of the embedded folder is refused; a stale lock is taken over", {
  skip: onPostgres && "embedded only",
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-lock-"));
  try {
    const first = await openDatabase({ dataDir });
    await assert.rejects(openDatabase({ dataDir }), DataDirInUse);
    await first.close();

    // A server killed without closing leaves its pid behind; that process is gone.
    const dead = spawnSync(process.execPath, ["-e", "process.pid"]).pid!;
    writeFileSync(join(dataDir, "hoviat.pid"), String(dead));
    const again = await openDatabase({ dataDir });
    const { rows } = await again.pool.query("select 1 as one");
    assert.equal(rows[0].one, 1);
    await again.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
