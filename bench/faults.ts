// `npm run faults [-- --quick] [--only=name,…] [--registry-down=SECONDS]`: each fault under a steady
// mixed load (registrations, tracking, logins) against two web and two worker processes on a private
// PostgreSQL cluster of our own, then a table: requests accepted vs outcomes reached, SMS per person
// (distinct message ids at the gateway), 5xx answered and when, time to recover. Results also go to
// bench/results/<date>-faults.json.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { registryServer } from "../src/adapters/simulator/http-server.ts";
import { RegistrySimulator } from "../src/adapters/simulator/registry-simulator.ts";
import { type Cluster, startCluster, startRedis } from "./cluster.ts";
import { PASSWORD, person, ROOT, registrationBody, type Server, sleep, startServer } from "./lib.ts";

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const only = argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const REGISTRY_DOWN_S = Number(
  argv.find((a) => a.startsWith("--registry-down="))?.slice(16) ?? (QUICK ? 20 : 120),
);
const FAULT_AT_S = 8;
const WINDOW_S = QUICK ? 12 : 30;
const AFTER_S = QUICK ? 15 : 30;
const SETTLE_S = QUICK ? 150 : 300;
const PEOPLE = 4000;

type Answer = { t: number; kind: string; status: number };
type Row = {
  fault: string;
  accepted: number;
  outcomes: number;
  smsPerPerson: string;
  repeats: number;
  errors5xx: number;
  errorWindow: string;
  outside: number;
  recoverS: number | string;
  drainS: number | string;
  crashes: number;
  /** quick (12 s windows, registry down 20 s by default) or full (30 s, 120 s). */
  mode?: string;
  note?: string;
};

/** The SMS gateway: records each delivery by message id; its behaviour is switched by the fault. */
function smsGateway() {
  const deliveries = new Map<string, { to: string; count: number }>();
  let mode: "ok" | "5xx" | "hang" | "slow" = "ok";
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const answer = () => {
        const { id, to } = JSON.parse(body) as { id: string; to: string };
        const d = deliveries.get(id) ?? { to, count: 0 };
        d.count++;
        deliveries.set(id, d);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      };
      if (mode === "5xx") res.writeHead(503).end();
      else if (mode === "hang") setTimeout(() => res.destroy(), 10_000);
      else if (mode === "slow") setTimeout(answer, 1_500);
      else answer();
    });
  });
  return {
    server,
    deliveries,
    setMode: (m: typeof mode) => {
      mode = m;
    },
  };
}

function listen(server: HttpServer, port = 0): Promise<number> {
  return new Promise((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
}

type Ctx = {
  cluster: Cluster;
  disk?: string;
  dbName: string;
  dbUrl: string;
  web: Server[];
  workers: Server[];
  envOf: Map<Server, Record<string, string>>;
  sms: ReturnType<typeof smsGateway>;
  registry: { sim: RegistrySimulator; server: HttpServer; port: number };
  redis?: Awaited<ReturnType<typeof startRedis>>;
  crashes: number;
};

type Fault = {
  name: string;
  redis?: boolean;
  /** One all-in-one process on embedded PGlite, its DATA_DIR on a small tmpfs of its own. */
  embedded?: boolean;
  failureRate?: number;
  /** Runs at FAULT_AT_S; resolves when the fault is healed (the end of its window). */
  inject(ctx: Ctx): Promise<void>;
};

async function restartProcess(ctx: Ctx, list: Server[], i: number) {
  const old = list[i]!;
  old.child.kill("SIGKILL");
  await new Promise((r) =>
    old.child.exitCode !== null || old.child.signalCode !== null ? r(null) : old.child.once("exit", r),
  );
  await sleep(5_000);
  const env = ctx.envOf.get(old)!;
  const fresh = await startServer("src/main.ts", env, 90_000);
  ctx.envOf.set(fresh, env);
  list[i] = fresh;
}

const FAULTS: Fault[] = [
  {
    name: "PostgreSQL restarted",
    async inject(ctx) {
      ctx.cluster.restart();
    },
  },
  {
    name: "all connections terminated every 3 s",
    async inject(ctx) {
      const end = Date.now() + WINDOW_S * 1000;
      while (Date.now() < end) {
        await ctx.cluster.terminateAll(ctx.dbName);
        await sleep(3_000);
      }
    },
  },
  { name: "kill -9 of a web process", inject: (ctx) => restartProcess(ctx, ctx.web, 0) },
  { name: "kill -9 of a worker process", inject: (ctx) => restartProcess(ctx, ctx.workers, 0) },
  {
    name: `registry down ${REGISTRY_DOWN_S} s`,
    async inject(ctx) {
      const { server } = ctx.registry;
      await new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      });
      await sleep(REGISTRY_DOWN_S * 1000);
      await listen(server, ctx.registry.port);
    },
  },
  {
    name: "registry failing 30 %",
    async inject(ctx) {
      ctx.registry.sim.failureRate = 0.3;
      await sleep(WINDOW_S * 1000);
      ctx.registry.sim.failureRate = 0;
    },
  },
  ...(["5xx", "hang", "slow"] as const).map((mode) => ({
    name: {
      "5xx": "SMS gateway answering 503",
      hang: "SMS gateway timing out",
      slow: "SMS gateway slow (1.5 s)",
    }[mode],
    async inject(ctx: Ctx) {
      ctx.sms.setMode(mode);
      await sleep(WINDOW_S * 1000);
      ctx.sms.setMode("ok");
    },
  })),
  {
    name: "embedded data folder's disk full",
    embedded: true,
    async inject(ctx) {
      const filler = join(ctx.disk!, "filler");
      try {
        execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=1M"], { stdio: "ignore" });
      } catch {
        // dd stops with ENOSPC: the disk is full, which is the point.
      }
      await sleep(WINDOW_S * 1000);
      rmSync(filler, { force: true });
    },
  },
  {
    name: "Redis gone",
    redis: true,
    async inject(ctx) {
      await ctx.redis!.stop();
      await sleep(WINDOW_S * 1000);
      await ctx.redis!.start();
    },
  },
];

/** One process's HTTP call, with a load balancer's manners: a refused connection goes to the other web. */
async function call(
  ctx: Ctx,
  i: number,
  path: string,
  body: string,
  ip: string,
): Promise<{ status: number; text: string }> {
  for (let attempt = 0; attempt < ctx.web.length; attempt++) {
    const web = ctx.web[(i + attempt) % ctx.web.length]!;
    try {
      const res = await fetch(`http://127.0.0.1:${web.port}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip },
        body,
        signal: AbortSignal.timeout(20_000),
      });
      return { status: res.status, text: await res.text() };
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code !== "ECONNREFUSED") return { status: 0, text: "" }; // dropped in flight
    }
  }
  return { status: 0, text: "" };
}

async function runFault(cluster: Cluster, fault: Fault, index: number, work: string): Promise<Row> {
  const dbName = `hoviat_faults_${process.pid}_${index}`;
  const dbUrl = await cluster.createDatabase(dbName);
  const people = Array.from({ length: PEOPLE }, (_, n) => person(6, n));
  const fixture = join(work, "registry.json");
  writeFileSync(fixture, JSON.stringify({ people }));
  const sim = RegistrySimulator.fromFile(fixture, { failureRate: fault.failureRate ?? 0 });
  const registryHttp = registryServer(sim);
  const registryPort = await listen(registryHttp);
  const sms = smsGateway();
  const smsPort = await listen(sms.server);
  const redis = fault.redis ? await startRedis() : undefined;
  let disk: string | undefined;
  if (fault.embedded) {
    disk = join(work, `disk-${index}`);
    mkdirSync(disk, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=160m", "tmpfs", disk]);
  }
  const env: Record<string, string> = {
    NODE_ENV: "development",
    ...(disk ? { DATA_DIR: join(disk, "data") } : { DATABASE_URL: dbUrl }),
    REGISTRY_PROVIDER: "http",
    REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
    REGISTRY_TIMEOUT_MS: "2000",
    SMS_PROVIDER: "webhook",
    SMS_WEBHOOK_URL: `http://127.0.0.1:${smsPort}/sms`,
    SMS_WEBHOOK_TOKEN: "faults",
    SMS_TIMEOUT_MS: "2000",
    TRUST_PROXY: "true",
    LOG_LEVEL: "error",
    ...(redis ? { REDIS_URL: redis.url } : {}),
  };
  const ctx: Ctx = {
    cluster,
    dbName,
    dbUrl,
    web: [],
    workers: [],
    envOf: new Map(),
    sms,
    registry: { sim, server: registryHttp, port: registryPort },
    ...(redis ? { redis } : {}),
    crashes: 0,
    ...(disk ? { disk } : {}),
  };
  if (disk) {
    const all = await startServer("src/main.ts", env, 90_000);
    ctx.web = [all];
    ctx.envOf.set(all, env);
  } else {
    // One first, for migrations; then the other three together.
    const first = await startServer("src/main.ts", { ...env, ROLE: "web" }, 90_000);
    const rest = await Promise.all([
      startServer("src/main.ts", { ...env, ROLE: "web" }, 90_000),
      startServer("src/main.ts", { ...env, ROLE: "worker" }, 90_000),
      startServer("src/main.ts", { ...env, ROLE: "worker" }, 90_000),
    ]);
    ctx.web = [first, rest[0]!];
    ctx.workers = [rest[1]!, rest[2]!];
    for (const s of [first, ...rest])
      ctx.envOf.set(s, { ...env, ROLE: ctx.web.includes(s) ? "web" : "worker" });
  }
  const client = new pg.Client({ connectionString: dbUrl });
  client.on("error", () => {});

  const answers: Answer[] = [];
  const accepted: { id: string; mobile: string }[] = [];
  const start = Date.now();
  const t = () => (Date.now() - start) / 1000;
  let next = 1;
  let running = true;
  // Someone to log in as, registered through the whole pipeline before the load starts.
  await call(ctx, 0, "/api/registrations", registrationBody(people[0]!), "10.0.0.1");
  for (let i = 0; i < 120; i++) {
    const login = JSON.stringify({ nationalId: people[0]!.nationalId, password: PASSWORD });
    if ((await call(ctx, 0, "/api/login", login, "10.0.0.2")).status === 200) break;
    await sleep(500);
  }
  const ip = () =>
    `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const lane = async (kind: string, pauseMs: number, request: (i: number) => Promise<number>) => {
    let i = 0;
    while (running) {
      const status = await request(i++);
      answers.push({ t: t(), kind, status });
      await sleep(pauseMs);
    }
  };
  const loads = [
    ...[0, 1].map((l) =>
      lane("registration", 150, async () => {
        const p = people[next++]!;
        const { status, text } = await call(ctx, l, "/api/registrations", registrationBody(p), ip());
        if (status === 202)
          accepted.push({ id: (JSON.parse(text) as { requestId: string }).requestId, mobile: p.mobiles[0]! });
        return status;
      }),
    ),
    lane(
      "tracking",
      200,
      async (i) =>
        (
          await call(
            ctx,
            i,
            "/api/registrations/tracking",
            JSON.stringify({
              nationalId: people[1 + (i % 50)]!.nationalId,
              mobile: people[1 + (i % 50)]!.mobiles[0],
            }),
            ip(),
          )
        ).status,
    ),
    lane(
      "login",
      300,
      async (i) =>
        (
          await call(
            ctx,
            i,
            "/api/login",
            JSON.stringify({ nationalId: people[0]!.nationalId, password: PASSWORD }),
            ip(),
          )
        ).status,
    ),
  ];
  const counted = new Set<Server>();
  const watch = setInterval(() => {
    for (const s of [...ctx.web, ...ctx.workers]) {
      // A process we killed ourselves has signalCode SIGKILL; any other exit is a crash.
      if (s.child.exitCode !== null && !counted.has(s)) {
        counted.add(s);
        ctx.crashes++;
        console.error(`  a process exited (${s.child.exitCode}): ${s.stderr.join("").slice(-1500)}`);
      }
    }
  }, 500);
  await sleep(FAULT_AT_S * 1000);
  const faultStart = t();
  await fault.inject(ctx);
  const faultEnd = t();
  await sleep(AFTER_S * 1000);
  running = false;
  await Promise.all(loads);
  const loadEnd = Date.now();

  // Settle: every accepted request decided and its message final, or the settle time runs out.
  if (!disk) await client.connect().catch(() => {});
  let drainS: number | string = `>${SETTLE_S}`;
  const ids = accepted.map((a) => a.id);
  let outcomes = 0;
  while (disk && Date.now() - loadEnd < SETTLE_S * 1000) {
    // The embedded database belongs to its process: an outcome is seen as the SMS it sends.
    const delivered = new Set([...sms.deliveries.values()].map((d) => d.to));
    outcomes = accepted.filter((a) => delivered.has(a.mobile)).length;
    if (outcomes === accepted.length) {
      drainS = Math.round((Date.now() - loadEnd) / 1000);
      break;
    }
    await sleep(1_000);
  }
  while (!disk && Date.now() - loadEnd < SETTLE_S * 1000) {
    const r = await client
      .query<{ decided: number; queued: number }>(
        `select (select count(*)::int from registration_requests where id = any($1) and status <> 'pending') as decided,
                (select count(*)::int from messages where status = 'queued') as queued`,
        [ids],
      )
      .catch(() => undefined);
    if (r) {
      outcomes = r.rows[0]!.decided;
      if (outcomes === ids.length && r.rows[0]!.queued === 0) {
        drainS = Math.round((Date.now() - loadEnd) / 1000);
        break;
      }
    }
    await sleep(1_000);
  }
  await sleep(1_000);
  clearInterval(watch);

  const perPerson = new Map<string, Set<string>>();
  let repeats = 0;
  for (const [id, d] of sms.deliveries) {
    if (!perPerson.has(d.to)) perPerson.set(d.to, new Set());
    perPerson.get(d.to)!.add(id);
    repeats += d.count - 1;
  }
  const counts = accepted.map((a) => perPerson.get(a.mobile)?.size ?? 0);
  const errors = answers.filter((a) => a.status >= 500 || a.status === 0);
  const grace = 5;
  const outside = errors.filter((e) => e.t < faultStart || e.t > faultEnd + grace).length;
  const lastError = errors.length ? Math.max(...errors.map((e) => e.t)) : undefined;
  const row: Row = {
    fault: fault.name,
    accepted: accepted.length,
    outcomes,
    smsPerPerson: counts.length ? `${Math.min(...counts)}–${Math.max(...counts)}` : "–",
    repeats,
    errors5xx: errors.length,
    errorWindow: errors.length
      ? `${(errors[0]!.t - faultStart).toFixed(1)}…${((lastError ?? 0) - faultStart).toFixed(1)} s`
      : "–",
    outside,
    recoverS: lastError === undefined ? 0 : Math.max(0, Math.round((lastError - faultEnd) * 10) / 10),
    drainS,
    crashes: ctx.crashes,
  };
  const byStatus = new Map<string, number>();
  for (const a of answers)
    byStatus.set(`${a.kind} ${a.status}`, (byStatus.get(`${a.kind} ${a.status}`) ?? 0) + 1);
  row.note = [...byStatus.entries()].map(([k, n]) => `${k}×${n}`).join(", ");

  await client.end().catch(() => {});
  for (const s of [...ctx.web, ...ctx.workers]) s.child.kill("SIGKILL");
  await sleep(500);
  registryHttp.closeAllConnections();
  registryHttp.close();
  sms.server.closeAllConnections();
  sms.server.close();
  await redis?.stop();
  if (disk) {
    await sleep(1_000);
    execFileSync("umount", ["-l", disk]);
  }
  return row;
}

function table(rows: Row[]): string {
  const head = [
    "fault",
    "accepted",
    "outcomes",
    "SMS/person",
    "resent ids",
    "5xx+dropped",
    "when (from fault)",
    "outside window",
    "recovered after",
    "drained in",
    "crashes",
  ];
  const lines = rows.map((r) => [
    r.fault,
    String(r.accepted),
    String(r.outcomes),
    r.smsPerPerson,
    String(r.repeats),
    String(r.errors5xx),
    r.errorWindow,
    String(r.outside),
    typeof r.recoverS === "number" ? `${r.recoverS} s` : r.recoverS,
    typeof r.drainS === "number" ? `${r.drainS} s` : r.drainS,
    String(r.crashes),
  ]);
  const md = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [md(head), md(head.map(() => "---")), ...lines.map(md)].join("\n");
}

const work = mkdtempSync(join(tmpdir(), "hoviat-faults-"));
const cluster = await startCluster();
const rows: Row[] = [];
try {
  const selected = FAULTS.filter(
    (f) => !only || only.some((o) => f.name.toLowerCase().includes(o.toLowerCase())),
  );
  for (const [i, fault] of selected.entries()) {
    console.error(`▶ ${fault.name}`);
    const row = { ...(await runFault(cluster, fault, i, work)), mode: QUICK ? "quick" : "full" };
    console.error(`  ${JSON.stringify(row)}`);
    rows.push(row);
  }
} finally {
  cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
// One file a day for both modes (each row says which): a quick run is kept too, unlike the bench's.
const file = join(ROOT, "bench/results", `${new Date().toISOString().slice(0, 10)}-faults.json`);
// A run of some faults (--only) updates their rows and keeps the others of the same day.
const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { rows: Row[] }).rows : [];
const merged = [...earlier.filter((e) => !rows.some((r) => r.fault === e.fault)), ...rows];
console.log(table(merged));
writeFileSync(
  file,
  `${JSON.stringify({ cpus: execFileSync("nproc", { encoding: "utf8" }).trim(), rows: merged }, null, 2)}\n`,
);
console.error(`written to ${file}`);
