// `npm run bench [-- --quick]`: starts the server (bench/server.ts = startSystem + baselines) in its
// own process on embedded PGlite, or on a fresh database made from DATABASE_URL, loads it from this
// process with autocannon (127.0.0.1 only), prints every scenario against its baseline, writes
// bench/results/<date>.json and exits non-zero when a row is missing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { GENERATOR, person, ROOT, type Server, startWithRetry, stopServer } from "./lib.ts";
import { scale } from "./scale.ts";
import {
  limiter,
  loginRows,
  type Row,
  type Settings,
  seed,
  startup,
  trackingAndRegistration,
  verification,
} from "./scenarios.ts";
import { SIGN_IN_IDS, signInRows } from "./sign-in.ts";

const REQUIRED = [
  "login.right",
  "login.wrong",
  "login.unknown",
  "login.oracle",
  "login.cpu",
  "tracking",
  "registration",
  "verification.0ms",
  "verification.50ms",
  "scale.login",
  "scale.tracking",
  "startup.fresh",
  "startup.existing",
  "memory.rest.fresh",
  "memory.rest.existing",
  "memory.load",
  "limiter",
  "signin.remembered",
  "signin.sms",
  "signin.passkey",
];

const quick = process.argv.includes("--quick");
// `--only=login,verification`: only the steps whose ids start so (for working on one of them); such
// a run is written to a `-partial` file and skips the self-check.
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
  .filter(Boolean);
const cores = availableParallelism();
const settings: Settings = {
  quick,
  cores,
  seconds: quick ? 2 : 10,
  verifyCount: quick ? 60 : 400,
  jobCount: quick ? 200 : 2000,
};
const started = performance.now();
// Others share these cores: the load average at the start and the end says how much.
const loadStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
const rows: Row[] = [];
const failed = (id: string, scenario: string, error: unknown): Row => ({
  id,
  scenario,
  project: "",
  baseline: "",
  ratio: null,
  target: "",
  pass: false,
  note: `error: ${String(error).slice(0, 300)}`,
});
async function step(ids: string[], name: string, fn: () => Promise<Row[]>) {
  if (only && !ids.some((id) => only.some((prefix) => id.startsWith(prefix)))) return;
  const t = performance.now();
  console.log(`• ${name}`);
  try {
    rows.push(...(await fn()));
  } catch (error) {
    console.error(`  failed: ${String(error).slice(0, 1000)}`);
    for (const id of ids) rows.push(failed(id, `${name}: ${id}`, error));
  }
  console.log(`  ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const work = mkdtempSync(join(tmpdir(), "hoviat-bench-"));
const adminUrl = process.env.DATABASE_URL || undefined;
let dbUrl: string | undefined;
let dbName: string | undefined;
if (adminUrl) {
  dbName = `hoviat_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
}
const database = dbUrl ? "PostgreSQL" : "embedded PGlite";

// Every registration the verification scenarios enqueue is a person of this fixture (→ active).
const people = Array.from({ length: settings.verifyCount * 2 }, (_, n) => person(3, n));
const fixture = join(work, "registry.json");
writeFileSync(fixture, JSON.stringify({ people }));
const env = (extra: Record<string, string> = {}) => ({
  DATA_DIR: join(work, "data"),
  DATABASE_URL: dbUrl ?? "",
  RATE_LIMITS: "off",
  REGISTRY_FIXTURE: fixture,
  REGISTRY_LATENCY_MS: "0",
  ...extra,
});
let server: Server | undefined;
async function restart(extra: Record<string, string> = {}) {
  if (server) await stopServer(server);
  server = undefined;
  server = await startWithRetry("bench/server.ts", env(extra));
  return server;
}

try {
  const memoryIds = ["memory.rest.fresh", "memory.rest.existing"];
  await step(
    ["startup.fresh", "startup.existing", ...memoryIds],
    "start-up (embedded, src/main.ts)",
    async () => {
      const s = await startup();
      const r = (id: string, name: string, v: string): Row => ({
        id,
        scenario: name,
        project: v,
        baseline: "–",
        ratio: null,
        target: "report",
        pass: null,
      });
      const mem = (id: string, name: string, v: number, limit: number): Row => ({
        ...r(id, name, `${v.toFixed(1)} MiB`),
        target: `≤ ${limit} MiB`,
        pass: v <= limit,
      });
      return [
        r("startup.fresh", "start-up to healthy, fresh data folder", `${s.fresh.toFixed(2)} s`),
        r("startup.existing", "start-up to healthy, existing data folder", `${s.existing.toFixed(2)} s`),
        mem("memory.rest.fresh", "memory: RSS at rest, embedded, fresh data folder", s.freshMiB, 400),
        mem(
          "memory.rest.existing",
          "memory: RSS at rest, embedded, existing data folder",
          s.existingMiB,
          300,
        ),
      ];
    },
  );
  // Login with rate limits ON, as in production; one hop of X-Forwarded-For is believed (TRUST_PROXY=1,
  // as behind one proxy), so each request comes from an address of its own, like many people.
  const limitsOn = { RATE_LIMITS: "on", TRUST_PROXY: "1" };
  await step(
    ["login.right", "login.wrong", "login.unknown", "login.oracle", "login.cpu", "memory.load"],
    `login, limits on (${database})`,
    async () => {
      const s = await restart(limitsOn);
      await seed(s);
      return loginRows(s, settings, dbUrl);
    },
  );
  // The legitimate load comes from many addresses and is never asked for a challenge.
  await step(["limiter"], "limiter (RATE_LIMITS=on, TRUST_PROXY=1)", async () => {
    const s = server ?? (await restart(limitsOn));
    return [await limiter(s, settings)];
  });
  // The whole sign-in (two steps, or a passkey), limits on, with the CPU beyond the hash.
  await step(SIGN_IN_IDS, `sign-in: remembered browser, SMS code, passkey (${database})`, async () => {
    const s = server ?? (await restart(limitsOn));
    return signInRows(s, settings, dbUrl);
  });
  await step(["tracking", "registration"], `tracking, registration, limits off (${database})`, async () => {
    const s = await restart();
    return trackingAndRegistration(s, settings);
  });
  const n = settings.verifyCount;
  await step(["verification.0ms"], "verification pipeline, registry 0 ms", async () => {
    const s = server ?? (await restart());
    return [(await verification(s, settings, people.slice(0, n), 0)).row];
  });
  await step(["verification.50ms"], "verification pipeline, registry 50 ms", async () => {
    const s = await restart({ REGISTRY_LATENCY_MS: "50" });
    return [(await verification(s, settings, people.slice(n, 2 * n), 50)).row];
  });
  await step(["scale.login", "scale.tracking"], "scale (PostgreSQL, COPY)", async () => {
    const sizes: [number, number] = quick ? [1_000, 10_000] : [10_000, 1_000_000];
    if (!dbUrl) {
      return ["login", "tracking"].map((k) => ({
        id: `scale.${k}`,
        scenario: `scale: ${k} p50/p99`,
        project: "needs DATABASE_URL",
        baseline: "needs DATABASE_URL",
        ratio: null,
        target: "p99 ≤ 1.2 ×",
        pass: null,
        note: "scale runs on PostgreSQL only",
      }));
    }
    return scale(await restart(), settings, dbUrl, sizes);
  });
} finally {
  if (server) await stopServer(server);
  rmSync(work, { recursive: true, force: true });
  if (adminUrl && dbName) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

const seconds = (performance.now() - started) / 1000;
rows.sort((a, b) => REQUIRED.indexOf(a.id) - REQUIRED.indexOf(b.id));
const mark = (r: Row) => (r.pass === null ? "" : r.pass ? " ✓" : " ✗");
const lines = [
  `Hoviat bench — ${database}, ${cores} cores, Node ${process.versions.node}${quick ? ", --quick" : ""}, load by ${GENERATOR}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (start ${loadStart})`,
  "",
  "| scenario | the project | baseline (same run) | ratio | target | load generator |",
  "|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.scenario} | ${r.project}${r.note?.startsWith("error") ? ` ${r.note}` : ""} | ${r.baseline} | ${
        r.ratio === null ? "–" : r.ratio.toFixed(2)
      } | ${r.target}${mark(r)} | ${r.generator ?? "–"} |`,
  ),
];
console.log(`\n${lines.join("\n")}\n\nfinished in ${seconds.toFixed(0)} s`);

const date = new Date().toISOString().slice(0, 10);
const dir = join(ROOT, "bench", "results");
mkdirSync(dir, { recursive: true });
const file = join(
  dir,
  `${date}${quick ? "-quick" : ""}${dbUrl ? "-postgresql" : ""}${only ? "-partial" : ""}.json`,
);
const result = {
  date,
  quick,
  database,
  cores,
  node: process.versions.node,
  generator: GENERATOR,
  loadAverage: {
    start: loadStart,
    end: loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
  },
  seconds,
  rows,
};
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
console.log(`results: ${file}`);

// Self-check (CI): every row present and filled with a figure; timing targets are not asserted.
if (only) process.exit(0);
const missing = REQUIRED.filter((id) => !rows.some((r) => r.id === id && r.project !== ""));
if (missing.length > 0) {
  console.error(`bench self-check failed: missing rows ${missing.join(", ")}`);
  process.exit(1);
}
console.log("bench self-check: every row present");
