// A backup is only as good as its restore: the data is backed up, restored into a fresh place, and a
// person still logs in there. Embedded: `npm run cli -- backup/restore` (PGlite's dump of the folder),
// refused while a server holds the folder. PostgreSQL: pg_dump and pg_restore, as the README says.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import pg from "pg";
import { BackupRefused, backupDataDir, restoreDataDir } from "../src/platform/backup.ts";
import { loadConfig } from "../src/platform/config.ts";
import { DataDirInUse } from "../src/platform/data-dir-lock.ts";
import { startSystem } from "../src/system.ts";
import { createAccount } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { onPostgres, type TestSystem } from "./helpers/system.ts";
import { seedDataDir } from "./helpers/template.ts";

const work = mkdtempSync(join(tmpdir(), "hoviat-backup-"));
after(() => rmSync(work, { recursive: true, force: true }));

const config = (env: Record<string, string>) => loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", ...env });

async function logsIn(system: Awaited<ReturnType<typeof startSystem>>): Promise<number> {
  const res = await system.app.inject({
    method: "POST",
    url: "/api/login",
    payload: { nationalId: ali.nationalId, password: ali.password },
  });
  return res.statusCode;
}

test("embedded: backup refused while the server runs, then backed up, restored into a new folder, and ali logs in", {
  skip: onPostgres && "the embedded database's backup (this run is on PostgreSQL)",
  timeout: 240_000,
}, async () => {
  const dataDir = join(work, "data");
  // The run's migrated template when there is one: what is tested is the backup, not a first start.
  seedDataDir(dataDir);
  const file = join(work, "hoviat.backup");
  const system = await startSystem({ config: config({ DATA_DIR: dataDir }) });
  try {
    await createAccount(system as TestSystem, ali);
    await assert.rejects(backupDataDir(dataDir, file), DataDirInUse);
    // The operator's view of the same refusal: a clear message and a failing exit code.
    const cli = spawnSync(process.execPath, ["src/cli.ts", "backup", file], {
      env: { ...process.env, NODE_ENV: "test", DATA_DIR: dataDir },
      encoding: "utf8",
    });
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /in use by process \d+: stop it first/);
  } finally {
    await system.close();
  }
  await backupDataDir(dataDir, file);
  assert.ok(existsSync(file));
  await assert.rejects(
    restoreDataDir(file, dataDir),
    BackupRefused,
    "a folder holding a database is not overwritten",
  );

  const restored = join(work, "restored");
  await restoreDataDir(file, restored);
  const again = await startSystem({ config: config({ DATA_DIR: restored }) });
  try {
    assert.equal(await logsIn(again), 200);
  } finally {
    await again.close();
  }
});

test("PostgreSQL: pg_dump, pg_restore into a new database, and ali logs in there", {
  skip: !onPostgres && "needs DATABASE_URL",
  timeout: 120_000,
}, async () => {
  const base = process.env.DATABASE_URL!;
  const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const names = [`hoviat_bk_a_${suffix}`, `hoviat_bk_b_${suffix}`];
  const urlOf = (name: string) => Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`create database ${name}`);
    const source = await startSystem({ config: config({ DATABASE_URL: urlOf(names[0]!) }) });
    try {
      await createAccount(source as TestSystem, ali);
    } finally {
      await source.close();
    }
    const file = join(work, "hoviat.pgdump");
    execFileSync("pg_dump", ["--format=custom", `--file=${file}`, urlOf(names[0]!)]);
    execFileSync("pg_restore", ["--no-owner", `--dbname=${urlOf(names[1]!)}`, file]);
    const restored = await startSystem({ config: config({ DATABASE_URL: urlOf(names[1]!) }) });
    try {
      assert.equal(await logsIn(restored), 200);
    } finally {
      await restored.close();
    }
  } finally {
    for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
});
