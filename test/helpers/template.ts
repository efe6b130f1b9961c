// A database made once per `npm test` and copied for each test system, instead of an initdb (8–10 s
// of WebAssembly on PGlite) and every migration per file: an embedded data folder copied file by file,
// or on PostgreSQL a database that `create database … template` clones. scripts/test.mjs runs
//   node --import tsx test/helpers/template.ts create   → prints the variables to pass to the tests
//   node --import tsx test/helpers/template.ts drop     → with those variables set, removes it again
// A test file run on its own (node --test, no variables) starts from scratch as before.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { loadConfig } from "../../src/platform/config.ts";
import { startSystem } from "../../src/system.ts";

export const TEMPLATE_DIR = "HOVIAT_TEST_TEMPLATE_DIR";
export const TEMPLATE_DB = "HOVIAT_TEST_TEMPLATE_DB";

/** Starts a system on a new database (migrations, the job queue's schema) and stops it. */
async function create(): Promise<Record<string, string>> {
  const base = process.env.DATABASE_URL;
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-test-template-"));
  let env: Record<string, string> = { [TEMPLATE_DIR]: dataDir };
  let databaseUrl: string | undefined;
  if (base) {
    const name = `hoviat_tpl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await admin(base, (c) => c.query(`create database ${name}`));
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    env = { [TEMPLATE_DB]: name };
  }
  const config = loadConfig({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const system = await startSystem({ config, sweepIntervalMs: 3_600_000 });
  await system.close();
  if (base) rmSync(dataDir, { recursive: true, force: true });
  return env;
}

async function drop(): Promise<void> {
  const dir = process.env[TEMPLATE_DIR];
  if (dir) rmSync(dir, { recursive: true, force: true });
  const name = process.env[TEMPLATE_DB];
  const base = process.env.DATABASE_URL;
  if (name && base) await admin(base, (c) => c.query(`drop database if exists ${name} with (force)`));
}

async function admin(url: string, run: (c: pg.Client) => Promise<unknown>): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await run(c);
  } finally {
    await c.end();
  }
}

if (import.meta.filename === process.argv[1]) {
  if (process.argv[2] === "create") process.stdout.write(JSON.stringify(await create()));
  else if (process.argv[2] === "drop") await drop();
  else throw new Error("usage: template.ts create|drop");
  process.exit(0);
}
