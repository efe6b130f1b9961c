// A migrated database copied for each test system, instead of an initdb (8–40 s of WebAssembly on
// PGlite) and every migration per file: an embedded data folder copied file by file, or on PostgreSQL
// a database that `create database … template` clones. scripts/test.mjs runs
//   node test/helpers/template.ts create   → prints the variables to pass to the tests
//   node test/helpers/template.ts drop     → with those variables set, removes it again
// The embedded folder is kept between runs under a key of what shapes it (the schema, the queues,
// the packages), so that `npm test -- <part>` does not wait for it. A test file run on its own
// (node --test, no variables) starts from scratch as before.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const TEMPLATE_DIR = "HOVIAT_TEST_TEMPLATE_DIR";
export const TEMPLATE_DB = "HOVIAT_TEST_TEMPLATE_DB";

/**
 * Fills an empty data folder with this run's embedded template, when there is one (under npm test,
 * not on PostgreSQL); otherwise leaves it empty, for the system to initdb. Returns whether it did.
 */
export function seedDataDir(dataDir: string): boolean {
  const template = process.env[TEMPLATE_DIR];
  if (!template || process.env.DATABASE_URL) return false;
  cpSync(template, dataDir, { recursive: true });
  rmSync(join(dataDir, READY), { force: true });
  return true;
}

/** A new PostgreSQL database beside `url`'s, a clone of `template` when one is named. */
export async function freshPostgres(
  url: string,
  template?: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hoviat_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}${template ? ` template ${template}` : ""}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      // Let the system's own connections finish closing first: a forced drop kills them mid-goodbye.
      for (let i = 0; i < 50; i++) {
        const open = await c.query("select 1 from pg_stat_activity where datname = $1", [name]);
        if (open.rowCount === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

const ROOT = join(import.meta.dirname, "../..");
const PREFIX = "hoviat-test-template-";
const READY = "hoviat-template-ready";

/** What the template's content follows: the platform's code (migrations, queues, settings), the workers' queues, the packages. */
function key(): string {
  const hash = createHash("sha256");
  const platform = join(ROOT, "src/platform");
  const files = readdirSync(platform, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
    .sort()
    .map((f) => join(platform, f));
  for (const f of [...files, join(ROOT, "src/worker.ts"), join(ROOT, "package-lock.json")]) {
    hash.update(f.slice(ROOT.length)).update(readFileSync(f));
  }
  return hash.digest("hex").slice(0, 16);
}

/** The embedded template for this code, made unless an earlier run left it; older ones go after a day. */
async function embedded(): Promise<string> {
  const dir = join(tmpdir(), `${PREFIX}${key()}`);
  if (existsSync(join(dir, READY))) return dir;
  const building = mkdtempSync(join(tmpdir(), `${PREFIX}build-`));
  await build(building, undefined);
  writeFileSync(join(building, READY), "");
  try {
    renameSync(building, dir);
  } catch {
    // Another run (another worktree on this machine) finished the same template first.
    rmSync(building, { recursive: true, force: true });
  }
  for (const name of readdirSync(tmpdir())) {
    const old = join(tmpdir(), name);
    if (name.startsWith(PREFIX) && old !== dir && Date.now() - statSync(old).mtimeMs > 86_400_000) {
      rmSync(old, { recursive: true, force: true });
    }
  }
  return dir;
}

/** Starts a system on a new database (migrations, the job queue's schema) and stops it. */
async function build(dataDir: string, databaseUrl: string | undefined): Promise<void> {
  // Loaded here only: a run that finds the template made does not pay for loading the whole system.
  const { loadConfig } = await import("../../src/platform/config.ts");
  const { startSystem } = await import("../../src/system.ts");
  const config = loadConfig({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    LOG_LEVEL: "silent",
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  const system = await startSystem({ config, sweepIntervalMs: 3_600_000 });
  // Each system makes its own signing keys at its first start, as a new installation does.
  await system.db.deleteFrom("oidc_keys").execute();
  await system.close();
}

async function create(): Promise<Record<string, string>> {
  const base = process.env.DATABASE_URL;
  if (!base) return { [TEMPLATE_DIR]: await embedded() };
  // On PostgreSQL, one per run: making it takes a second or two.
  const name = `hoviat_tpl_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(base, (c) => c.query(`create database ${name}`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-test-"));
  await build(dataDir, url.toString());
  rmSync(dataDir, { recursive: true, force: true });
  // A template must have no session left: a backend still closing would fail the first clones.
  await admin(base, async (c) => {
    for (let i = 0; i < 100; i++) {
      const open = await c.query("select 1 from pg_stat_activity where datname = $1", [name]);
      if (open.rowCount === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the template database ${name} still has sessions`);
  });
  return { [TEMPLATE_DB]: name };
}

async function drop(): Promise<void> {
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
