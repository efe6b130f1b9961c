// `npm run bench:scale -- --events 10000000 [--keep] [--grow]` (PostgreSQL only, DATABASE_URL): what a big
// `security_events` costs now that it is partitioned by month (docs/decisions/020-time-partitions.md).
// Two databases, each with the same 10 k accounts: one holds 10 k security events, the other `--events`,
// spread over the 24 months of the default retention. Then:
//   - a sign-in's p50/p99 (SECOND_FACTOR=optional: the password step writes the security event and the
//     session), in interleaved windows on two servers side by side, as bench/scale-large.ts does;
//   - the sweeper's partition upkeep: the hourly pass with nothing to do, and the pass that drops the
//     oldest month; beside it, what the row-level delete of one month would have cost (rolled back);
//   - bytes per event (heap and indexes), from which 50 M and 100 M are projected.
// Writes bench/results/<date>-scale-events.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { hash } from "@node-rs/argon2";
import pg from "pg";
import { openDatabase } from "../src/platform/database.ts";
import {
  createMonth,
  maintainPartitions,
  monthStart,
  partitionName,
  type Retention,
} from "../src/platform/partitions.ts";
import { ARGON2_PARAMS } from "../src/platform/passwords.ts";
import {
  countOf,
  type Load,
  load,
  median,
  nationalId,
  PASSWORD,
  ROOT,
  type Server,
  seedByCopy,
  serverSet,
} from "./lib.ts";
import { loginBody } from "./scenarios.ts";

const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const big = Number(arg("--events"));
const keep = process.argv.includes("--keep");
const small = 10_000;
const ACCOUNTS = 10_000;
const MONTHS = 24;
const CHUNK = 1_000_000;
const ROUNDS = 8;
const WINDOW_S = 3;
const RETENTION: Retention = {
  security_events: 730,
  audit_log: 1826,
  messages: 30,
  mobile_verifications: 30,
  sessions: 30,
};
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  console.error("bench:scale --events needs DATABASE_URL (a PostgreSQL it may create databases in)");
  process.exit(2);
}
if (!Number.isInteger(big) || big < 20_000 || big > 200_000_000) {
  console.error("--events: a whole number between 20000 and 200000000");
  process.exit(2);
}

const urlOf = (db: string) => Object.assign(new URL(adminUrl), { pathname: `/${db}` }).toString();
const dbOf = (n: number) => `hoviat_events_${n}`;

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * `n` events over the last MONTHS months, server-side (generate_series), a month at a time in chunks:
 * random ids and accounts (people of a 100 M population seldom repeat), a phone browser's user agent.
 */
async function seedEvents(url: string, n: number) {
  const now = new Date();
  // The months a database two years in service has: the migration made only this one and those ahead.
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-events-"));
  const handle = await openDatabase({ databaseUrl: url, dataDir });
  for (let m = 0; m < MONTHS; m++) await createMonth(handle.db, "security_events", monthStart(now, -m));
  await handle.close();
  rmSync(dataDir, { recursive: true, force: true });
  for (let m = 0; m < MONTHS; m++) {
    const from = monthStart(now, -m);
    // The current month only up to now: no event is written in the future.
    const to = m === 0 ? now : monthStart(now, -m + 1);
    let left = Math.floor(n / MONTHS) + (m < n % MONTHS ? 1 : 0);
    while (left > 0) {
      const rows = Math.min(CHUNK, left);
      await query(
        url,
        `insert into security_events (id, account_id, national_id, type, ip, user_agent, created_at)
         select gen_random_uuid(), gen_random_uuid(), lpad((random() * 1e10)::bigint::text, 10, '0'),
           'login.succeeded', '10.' || (random() * 255)::int || '.' || (random() * 255)::int || '.7',
           'Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36',
           $1::timestamptz + random() * ($2::timestamptz - $1::timestamptz)
         from generate_series(1, $3)`,
        [from, to, rows],
      );
      left -= rows;
    }
  }
  await query(url, "vacuum analyze security_events");
}

async function database(n: number, start: (url: string) => Promise<Server>): Promise<Server> {
  const name = dbOf(n);
  const url = urlOf(name);
  const exists = await query(adminUrl!, "select 1 from pg_database where datname = $1", [name]);
  if (exists.length > 0) {
    const oldest = partitionName("security_events", monthStart(new Date(), -(MONTHS - 1)));
    const [row] = await query<{ n: string; months: boolean }>(
      url,
      "select count(*) as n, to_regclass($1) is not null as months from security_events",
      [oldest],
    ).catch(() => []);
    if (Number(row?.n) >= n && row?.months) {
      console.log(`  ${name}: kept from an earlier run (${row?.n} events)`);
      return start(url);
    }
    // Its oldest month dropped by the last run's sweeper pass, or `--grow` (a database renamed from a
    // smaller run): the months are made again and only the difference is seeded.
    const have = Number(row?.n);
    if (have > 0 && (have >= n || process.argv.includes("--grow"))) {
      const server = await start(url);
      const t = performance.now();
      await seedEvents(url, Math.max(0, n - have));
      const s = ((performance.now() - t) / 1000).toFixed(0);
      console.log(`  ${name}: ${have} events kept, ${Math.max(0, n - have)} added in ${s} s`);
      return server;
    }
    await query(adminUrl!, `drop database ${name} with (force)`);
  }
  await query(adminUrl!, `create database ${name}`);
  const server = await start(url); // migrates the new database, makes the months ahead
  await seedByCopy(url, 6, 0, ACCOUNTS, await hash(PASSWORD, ARGON2_PARAMS));
  await query(url, "vacuum analyze accounts");
  const t = performance.now();
  await seedEvents(url, n);
  console.log(`  ${name}: seeded ${n} events in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return server;
}

async function eventBytes(url: string) {
  const [row] = await query<{ heap: string; indexes: string; rows: string }>(
    url,
    `select sum(pg_relation_size(c.oid)) as heap, sum(pg_indexes_size(c.oid)) as indexes,
       (select count(*) from security_events) as rows
     from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'security_events'::regclass`,
  );
  return { heap: Number(row!.heap), indexes: Number(row!.indexes), rows: Number(row!.rows) };
}

/** The sweeper's upkeep on `url`: the hourly pass (nothing due), then the pass a month later (a drop). */
async function sweeperPasses(url: string) {
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-events-"));
  const handle = await openDatabase({ databaseUrl: url, dataDir });
  try {
    const hourly: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await maintainPartitions(handle.db, new Date(), RETENTION);
      hourly.push(performance.now() - t);
    }
    // What the row-level delete of the oldest month would cost, in a transaction rolled back.
    const oldest = partitionName("security_events", monthStart(new Date(), -(MONTHS - 1)));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    let deleteMs = 0;
    let deleted = 0;
    try {
      await client.query("begin");
      await client.query(`alter table ${oldest} disable trigger user`);
      const t = performance.now();
      deleted = (await client.query(`delete from ${oldest}`)).rowCount ?? 0;
      deleteMs = performance.now() - t;
    } finally {
      await client.query("rollback");
      await client.end();
    }
    // Two months on, the oldest seeded month is wholly past 730 days: the pass drops it.
    const later = new Date(monthStart(new Date(), 2).getTime() + 86_400_000);
    const t = performance.now();
    const reports = await maintainPartitions(handle.db, later, RETENTION);
    const dropMs = performance.now() - t;
    const dropped = reports.flatMap((r) => (r.table === "security_events" ? r.dropped : []));
    return { hourly, dropMs, dropped, deleteMs, deleted };
  } finally {
    await handle.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000} M` : `${n / 1000} k`);
const set = serverSet("hoviat-scale-events-", { RATE_LIMITS: "off", SECOND_FACTOR: "optional" });
const start = set.start;
const started = performance.now();
try {
  const cores = availableParallelism();
  const few = await database(small, start);
  const many = await database(big, start);
  const windows: Record<string, Load[]> = {};
  const signIn = async (server: Server, key: string, seconds: number) => {
    const body = () => loginBody(PASSWORD, nationalId(6, Math.floor(Math.random() * ACCOUNTS)));
    const result = await load(server.port, "/api/login", { connections: cores, seconds, bodies: body });
    if (countOf(result, 200) !== result.total) throw new Error(`${key}: unexpected answers ${result.codes}`);
    windows[key] = [...(windows[key] ?? []), result];
  };
  await signIn(few, "warm", 1);
  await signIn(many, "warm", 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of round % 2 === 0 ? [few, many] : [many, few])
      await signIn(s, s === few ? "few" : "many", WINDOW_S);
  }
  const stat = (key: string) => ({
    p50: median(windows[key]!.map((w) => w.p50)),
    p99: median(windows[key]!.map((w) => w.p99)),
    rps: median(windows[key]!.map((w) => w.rps)),
  });
  await set.stopServers();
  const bytes = await eventBytes(urlOf(dbOf(big)));
  const sweepFew = await sweeperPasses(urlOf(dbOf(small)));
  const sweepMany = await sweeperPasses(urlOf(dbOf(big)));
  const perRow = (bytes.heap + bytes.indexes) / bytes.rows;
  const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
  const result = {
    date: new Date().toISOString().slice(0, 10),
    events: big,
    cores,
    loadAverage: loadavg()[0],
    signIn: { [label(small)]: stat("few"), [label(big)]: stat("many") },
    sweeper: { [label(small)]: sweepFew, [label(big)]: sweepMany },
    bytes: { ...bytes, heapPerRow: bytes.heap / bytes.rows, indexesPerRow: bytes.indexes / bytes.rows },
    projected: Object.fromEntries([50e6, 100e6].map((n) => [label(n), `${gib(perRow * n)} GiB`])),
    seconds: (performance.now() - started) / 1000,
  };
  const a = result.signIn[label(small)]!;
  const b = result.signIn[label(big)]!;
  console.log(
    `\nHoviat scale, security events — PostgreSQL, ${cores} cores, load ${result.loadAverage?.toFixed(1)}\n`,
  );
  console.log("| measure | 10 k events | big | ratio |\n|---|---|---|---|");
  console.log(
    `| sign-in p50 / p99 (${ROUNDS} interleaved ${WINDOW_S} s windows) | ${a.p50} / ${a.p99} ms, ${a.rps.toFixed(0)}/s | ${label(big)}: ${b.p50} / ${b.p99} ms, ${b.rps.toFixed(0)}/s | ${(b.p99 / a.p99).toFixed(2)} |`,
  );
  console.log(
    `| sweeper hourly pass (median of 5) | ${median(sweepFew.hourly).toFixed(0)} ms | ${median(sweepMany.hourly).toFixed(0)} ms | |`,
  );
  console.log(
    `| sweeper pass dropping the oldest month | ${sweepFew.dropMs.toFixed(0)} ms | ${sweepMany.dropMs.toFixed(0)} ms (${sweepMany.dropped.join(", ")}) | |`,
  );
  console.log(
    `| row-level delete of that month instead (rolled back) | ${sweepFew.deleteMs.toFixed(0)} ms, ${sweepFew.deleted} rows | ${sweepMany.deleteMs.toFixed(0)} ms, ${sweepMany.deleted} rows | |`,
  );
  console.log(
    `\nbytes per event: heap ${result.bytes.heapPerRow.toFixed(0)}, indexes ${result.bytes.indexesPerRow.toFixed(0)}; ` +
      `at ${label(big)} ${gib(bytes.heap + bytes.indexes)} GiB; projected 50 M ${result.projected["50 M"]}, 100 M ${result.projected["100 M"]}`,
  );
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.date}-scale-events.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nresults: ${file} (${result.seconds.toFixed(0)} s)`);
} finally {
  await set.close();
  if (!keep)
    for (const n of [small, big]) await query(adminUrl, `drop database if exists ${dbOf(n)} with (force)`);
}
