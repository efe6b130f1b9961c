// `npm run bench:scale [-- --accounts 10000000] [--keep]` (PostgreSQL only, DATABASE_URL): login and
// tracking p50/p99 with 10 k accounts and with `--accounts` (10 M by default), each seeded by COPY in a
// database of its own, then the size of every table and index per row (docs/decisions/011-scale.md).
//
// The two sizes are measured interleaved, one short window each in turn, on two servers that run side
// by side: whatever else the machine does weighs on both alike, so the ratio is the size's own effect.
// `--keep` leaves both databases (about 6 GB at 10 M) so that a second run measures without seeding
// again. Limits are off: these rows isolate what the size of the data does. Writes
// bench/results/<date>-scale.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { hash } from "@node-rs/argon2";
import pg from "pg";
import { ARGON2_PARAMS } from "../src/platform/passwords.ts";
import {
  countOf,
  type Load,
  load,
  median,
  mobileOf,
  nationalId,
  PASSWORD,
  ROOT,
  type Server,
  seedByCopy,
  serverSet,
} from "./lib.ts";
import { loginBody } from "./scenarios.ts";

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
// `--events N`: the scale of security events instead (partitioned by month; bench/scale-events.ts).
if (process.argv.includes("--events")) {
  await import("./scale-events.ts");
  process.exit(0);
}
const big = process.argv.includes("--accounts") ? Number(arg("--accounts")) : 10_000_000;
const keep = process.argv.includes("--keep");
const small = 10_000;
const ROUNDS = 10;
const WINDOW_S = 3;
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  console.error("bench:scale needs DATABASE_URL (a PostgreSQL it may create databases in)");
  process.exit(2);
}
if (!Number.isInteger(big) || big < 20_000 || big > 99_000_000) {
  console.error("--accounts: a whole number between 20000 and 99000000");
  process.exit(2);
}

const urlOf = (db: string) => {
  const u = new URL(adminUrl);
  u.pathname = `/${db}`;
  return u.toString();
};
const dbOf = (n: number) => `hoviat_scale_${n}`;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** A database holding `n` accounts: kept from an earlier `--keep` run when it has them, else made. */
async function database(n: number, start: (url: string) => Promise<Server>): Promise<Server> {
  const name = dbOf(n);
  const url = urlOf(name);
  const exists = await query(adminUrl!, `select 1 from pg_database where datname = '${name}'`);
  if (exists.length > 0) {
    const [row] = await query<{ n: string }>(url, "select count(*) as n from accounts").catch(() => []);
    if (Number(row?.n) === n) {
      console.log(`  ${name}: kept from an earlier run (${n} accounts)`);
      return start(url);
    }
    await query(adminUrl!, `drop database ${name} with (force)`);
  }
  await query(adminUrl!, `create database ${name}`);
  const server = await start(url); // migrates the new database
  const t = performance.now();
  const phc = await hash(PASSWORD, ARGON2_PARAMS);
  // In chunks of 1 M, so that no COPY holds millions of ids in memory.
  for (let from = 0; from < n; from += 1_000_000) {
    await seedByCopy(url, 6, from, Math.min(n, from + 1_000_000), phc);
  }
  await query(url, "vacuum analyze accounts");
  await query(url, "vacuum analyze registration_requests");
  console.log(`  ${name}: seeded ${n} accounts in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return server;
}

type Size = { relation: string; table: string; bytes: number; bytesPerRow: number };
async function sizes(url: string, rows: number): Promise<Size[]> {
  const found = await query<{ relation: string; table: string; bytes: string }>(
    url,
    `select c.relname as relation, coalesce(t.relname, c.relname) as table, pg_relation_size(c.oid) as bytes
     from pg_class c
     left join pg_index i on i.indexrelid = c.oid
     left join pg_class t on t.oid = i.indrelid
     where c.relname in ('accounts', 'registration_requests')
        or t.relname in ('accounts', 'registration_requests')
     order by 2, 1`,
  );
  return found.map((r) => ({ ...r, bytes: Number(r.bytes), bytesPerRow: Number(r.bytes) / rows }));
}

const set = serverSet("hoviat-scale-", { RATE_LIMITS: "off" });
const start = set.start;
const started = performance.now();
try {
  const cores = availableParallelism();
  const few = await database(small, start);
  const many = await database(big, start);
  const scenarios = {
    login: (n: number) => ({ path: "/api/login", body: () => loginBody(PASSWORD, nationalId(6, pick(n))) }),
    tracking: (n: number) => ({
      path: "/api/registrations/tracking",
      body: () => {
        const i = pick(n);
        return JSON.stringify({ nationalId: nationalId(6, i), mobile: mobileOf(6, i) });
      },
    }),
  };
  function pick(n: number) {
    return Math.floor(Math.random() * n);
  }
  const windows: Record<string, Load[]> = {};
  const run = async (
    server: Server,
    key: string,
    n: number,
    kind: keyof typeof scenarios,
    seconds: number,
  ) => {
    const { path, body } = scenarios[kind](n);
    const result = await load(server.port, path, { connections: cores, seconds, bodies: body });
    if (countOf(result, 200) !== result.total) throw new Error(`${key}: unexpected answers ${result.codes}`);
    windows[key] = [...(windows[key] ?? []), result];
  };
  // Warm-up of both (JIT, caches), not counted.
  for (const kind of ["login", "tracking"] as const) {
    await run(few, "warm", small, kind, 1);
    await run(many, "warm", big, kind, 1);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ["login", "tracking"] as const) {
      // Alternate which size goes first, so that neither always follows the other's load.
      const order = round % 2 === 0 ? [few, many] : [many, few];
      for (const s of order) {
        const n = s === few ? small : big;
        await run(s, `${kind}.${n}`, n, kind, WINDOW_S);
      }
    }
  }
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`);
  const stat = (key: string) => {
    const ws = windows[key]!;
    return {
      p50: median(ws.map((w) => w.p50)),
      p99: median(ws.map((w) => w.p99)),
      rps: median(ws.map((w) => w.rps)),
    };
  };
  const rows = (["login", "tracking"] as const).map((kind) => {
    const a = stat(`${kind}.${small}`);
    const b = stat(`${kind}.${big}`);
    return {
      id: `scale.${kind}`,
      scenario: `scale: ${kind} p50/p99 (median of ${ROUNDS} interleaved ${WINDOW_S} s windows)`,
      project: `${label(big)}: ${b.p50} / ${b.p99} ms, ${b.rps.toFixed(0)}/s`,
      baseline: `${label(small)}: ${a.p50} / ${a.p99} ms, ${a.rps.toFixed(0)}/s`,
      ratio: b.p99 / a.p99,
      target: "p99 ≤ 1.2 ×",
      pass: b.p99 / a.p99 <= 1.2,
    };
  });
  const measured = await sizes(urlOf(dbOf(big)), big);
  const [load1] = (await import("node:os")).loadavg();
  const seconds = (performance.now() - started) / 1000;
  const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
  console.log(`\nHoviat scale — PostgreSQL, ${cores} cores, load average ${load1?.toFixed(1)} at the end\n`);
  console.log("| scenario | the project | baseline (same run) | ratio | target |\n|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.scenario} | ${r.project} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.target} |`);
  }
  console.log(`\n| relation | of table | MiB at ${label(big)} | bytes per row |\n|---|---|---|---|`);
  for (const s of measured) {
    console.log(`| ${s.relation} | ${s.table} | ${mib(s.bytes)} | ${s.bytesPerRow.toFixed(0)} |`);
  }
  const date = new Date().toISOString().slice(0, 10);
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${date}-scale.json`);
  const result = {
    date,
    accounts: big,
    cores,
    loadAverage: load1,
    node: process.versions.node,
    seconds,
    rows,
    sizes: measured,
  };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nresults: ${file} (${seconds.toFixed(0)} s)`);
} finally {
  await set.close();
  if (!keep)
    for (const n of [small, big]) await query(adminUrl, `drop database if exists ${dbOf(n)} with (force)`);
}
