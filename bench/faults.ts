// `npm run faults [-- --quick] [--only=name,…] [--registry-down=SECONDS]`: each fault under a steady
// mixed load (registrations through step 1, tracking, logins) against two web and two worker processes
// on a private PostgreSQL cluster of our own, then a table: requests accepted vs outcomes reached, SMS
// per person (distinct message ids at the gateway, the step-1 code and the outcome apart), the same id
// posted again, 5xx answered and when, time to recover. Results also go to bench/results/<date>-faults.json.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { registryServer } from "../src/adapters/simulator/http-server.ts";
import { RegistrySimulator } from "../src/adapters/simulator/registry-simulator.ts";
import { t as text } from "../src/messages/index.ts";
import { type Cluster, startCluster, startRedis } from "./cluster.ts";
import {
  PASSWORD,
  type Person,
  person,
  ROOT,
  registrationBody,
  type Server,
  sleep,
  startServer,
} from "./lib.ts";

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
/** How long a person waits for the step-1 SMS before giving up (an SMS outage holds registrations up). */
const CODE_WAIT_MS = 90_000;
/** The step-1 SMS starts with this; every other SMS a registrant gets is the outcome. */
const CODE_SMS = text("fa", "sms.registration.mobileCode", { code: "000000" }).split("000000")[0]!;
const LIMITS_NOTE =
  "rate limits on (RATE_LIMITS=on, none raised): each generated person (a valid national ID and a mobile of " +
  "its own) asks one step-1 code and sends its three requests from an X-Forwarded-For address of its own " +
  "(TRUST_PROXY=1, the campaign as the one proxy), so no per-mobile/per-ID limit (5 codes/h) and no " +
  "per-address threshold (20 codes, 60 confirmations, 20 registrations an hour, then a challenge) is reached";

type Answer = { t: number; kind: string; status: number };
type Row = {
  fault: string;
  accepted: number;
  outcomes: number;
  /** Distinct outcome-SMS ids per accepted person (min–max). */
  smsPerPerson: string;
  /** Distinct step-1 code-SMS ids per accepted person (min–max). */
  codesPerPerson?: string;
  /** Posts of an id the gateway had already received (it drops them by Idempotency-Key). */
  repeats: number;
  errors5xx: number;
  errorWindow: string;
  outside: number;
  recoverS: number | string;
  drainS: number | string;
  crashes: number;
  /** From asking a step-1 code to its SMS reaching the gateway, for codes asked in the fault's window. */
  codeS?: string;
  /** From the fault's healing to the last outcome decided (and its SMS at the gateway). */
  healedS?: string;
  /** quick (12 s windows, registry down 20 s by default) or full (30 s, 120 s). */
  mode?: string;
  note?: string;
};

/**
 * The SMS gateway: records each delivery by message id (the idempotency key: a second post of an id
 * is counted, not delivered again) and hands the step-1 codes to the waiting person; its behaviour is
 * switched by the fault.
 */
function smsGateway() {
  const deliveries = new Map<string, { to: string; text: string; count: number }>();
  const codes = new Map<string, string>();
  /** When each mobile's step-1 code and each outcome SMS first reached the gateway (Date.now()). */
  const codeAt = new Map<string, number>();
  const outcomeAt = new Map<string, number>();
  let mode: "ok" | "5xx" | "hang" | "slow" | "flaky" = "ok";
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const answer = () => {
        const { id, to, text } = JSON.parse(body) as { id: string; to: string; text: string };
        const d = deliveries.get(id) ?? { to, text, count: 0 };
        d.count++;
        deliveries.set(id, d);
        const code = text.startsWith(CODE_SMS) ? /(?<!\d)(\d{6})(?!\d)/.exec(text)?.[1] : undefined;
        if (code && d.count === 1) codes.set(to, code);
        if (code && !codeAt.has(to)) codeAt.set(to, Date.now());
        if (!code && !outcomeAt.has(to)) outcomeAt.set(to, Date.now());
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      };
      // flaky: 30 % answered 503, 10 % stalled past the client's timeout (SMS_TIMEOUT_MS, 2 s), not delivered.
      const draw = Math.random();
      const now = mode === "flaky" ? (draw < 0.3 ? "5xx" : draw < 0.4 ? "hang" : "ok") : mode;
      if (now === "5xx") res.writeHead(503).end();
      else if (now === "hang") setTimeout(() => res.destroy(), 10_000);
      else if (now === "slow") setTimeout(answer, 1_500);
      else answer();
    });
  };
  return {
    /** Two peers of one gateway (SMS_WEBHOOK_URL lists both): one state, one behaviour. */
    server: createServer(handle),
    peer: createServer(handle),
    deliveries,
    codeAt,
    outcomeAt,
    /** The step-1 code the mobile received, once it has (each generated person asks one). */
    async codeFor(mobile: string): Promise<string | undefined> {
      const deadline = Date.now() + CODE_WAIT_MS;
      while (Date.now() < deadline) {
        const code = codes.get(mobile);
        if (code) return code;
        await sleep(50);
      }
      return undefined;
    },
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
  /** Milliseconds the clock of web 0 and worker 0 is moved by (bench/clock-offset.ts reads it). */
  clockFile: string;
  notes: string[];
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
  /** Web 0 and worker 0 run with bench/clock-offset.ts preloaded, as if on one host whose clock moves. */
  clock?: boolean;
  failureRate?: number;
  /** The SMS gateway's behaviour from the start, through the fault and after it. */
  smsMode?: "flaky";
  /** Registration lanes (default 2): more people through step 1 in the window. */
  lanes?: number;
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
  // Alone, and as issue 22 met it: with the registry failing 30 % and the two gateway peers flaky throughout.
  ...[false, true].map((also) => ({
    name: `connections killed every 1.5 s for 60 s, then healed${also ? ", registry failing 30 % and SMS peers flaky throughout" : ""}`,
    ...(also ? { failureRate: 0.3, smsMode: "flaky" as const } : {}),
    async inject(ctx: Ctx) {
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        await ctx.cluster.terminateAll(ctx.dbName);
        await sleep(1_500);
      }
    },
  })),
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
  {
    name: "SMS gateway (two peers) failing 30 % with 503 and stalling 10 %",
    lanes: 8,
    async inject(ctx) {
      ctx.sms.setMode("flaky");
      await sleep(Math.max(WINDOW_S, 40) * 1000);
      ctx.sms.setMode("ok");
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
      const free = () =>
        execFileSync("df", ["--output=avail", "-B1", ctx.disk!], { encoding: "utf8" }).split("\n")[1]?.trim();
      ctx.notes.push(`free on the tmpfs after the fill: ${free()} bytes`);
      await sleep(WINDOW_S * 1000);
      ctx.notes.push(`free at the window's end: ${free()} bytes`);
      rmSync(filler, { force: true });
    },
  },
  {
    name: "clock of one web and one worker +1 h, then back",
    clock: true,
    async inject(ctx) {
      writeFileSync(ctx.clockFile, String(3_600_000));
      await sleep(WINDOW_S * 1000);
      writeFileSync(ctx.clockFile, "0");
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
  const peerPort = await listen(sms.peer);
  if (fault.smsMode) sms.setMode(fault.smsMode);
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
    SMS_WEBHOOK_URL: `http://127.0.0.1:${smsPort}/sms,http://127.0.0.1:${peerPort}/sms`,
    SMS_WEBHOOK_TOKEN: "faults",
    SMS_TIMEOUT_MS: "2000",
    TRUST_PROXY: "1",
    RATE_LIMITS: "on",
    LOG_LEVEL: "error",
    ...(redis ? { REDIS_URL: redis.url } : {}),
  };
  const clockFile = join(work, `clock-${index}`);
  writeFileSync(clockFile, "0");
  // The preload only where the fault moves a clock; NODE_OPTIONS reaches the process before tsx.
  const skewed: Record<string, string> = fault.clock
    ? {
        NODE_OPTIONS: `--import=${join(ROOT, "bench/clock-offset.ts")}`,
        HOVIAT_CLOCK_OFFSET_FILE: clockFile,
      }
    : {};
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
    clockFile,
    notes: [],
    ...(disk ? { disk } : {}),
  };
  if (disk) {
    const all = await startServer("src/main.ts", env, 90_000);
    ctx.web = [all];
    ctx.envOf.set(all, env);
  } else {
    // One first, for migrations; then the other three together.
    const envs = [
      { ...env, ...skewed, ROLE: "web" },
      { ...env, ROLE: "web" },
      { ...env, ...skewed, ROLE: "worker" },
      { ...env, ROLE: "worker" },
    ];
    const first = await startServer("src/main.ts", envs[0]!, 90_000);
    const rest = await Promise.all(envs.slice(1).map((e) => startServer("src/main.ts", e, 90_000)));
    ctx.web = [first, rest[0]!];
    ctx.workers = [rest[1]!, rest[2]!];
    for (const [i, s] of [first, ...rest].entries()) ctx.envOf.set(s, envs[i]!);
  }
  const client = new pg.Client({ connectionString: dbUrl });
  client.on("error", () => {});

  const answers: Answer[] = [];
  const accepted: { id: string; mobile: string; at: number }[] = [];
  const start = Date.now();
  const t = () => (Date.now() - start) / 1000;
  const answer = (kind: string, status: number) => void answers.push({ t: t(), kind, status });
  let next = 1;
  let running = true;
  let codesLate = 0;
  /** When each person asked the step-1 code (Date.now()), for its time to the gateway. */
  const askedAt = new Map<string, number>();
  /**
   * A registration as a person makes it, from one address through one web process: step 1 (the
   * code asked, read from the SMS that reached the gateway, confirmed), then the submission.
   */
  const register = async (l: number, p: Person, from: string) => {
    const identity = JSON.stringify({ nationalId: p.nationalId, mobile: p.mobiles[0] });
    const askedFrom = Date.now();
    const asked = await call(ctx, l, "/api/registrations/mobile-verification", identity, from);
    answer("code", asked.status);
    if (asked.status !== 202) return;
    askedAt.set(p.mobiles[0]!, askedFrom);
    const { verificationId } = JSON.parse(asked.text) as { verificationId: string };
    const code = await sms.codeFor(p.mobiles[0]!);
    if (!code) {
      codesLate++;
      return;
    }
    const confirmPath = `/api/registrations/mobile-verification/${verificationId}/confirm`;
    const confirmed = await call(ctx, l, confirmPath, JSON.stringify({ code }), from);
    answer("confirm", confirmed.status);
    if (confirmed.status !== 200) return;
    const { mobileProof } = JSON.parse(confirmed.text) as { mobileProof: string };
    const { status, text } = await call(ctx, l, "/api/registrations", registrationBody(p, mobileProof), from);
    answer("registration", status);
    if (status === 202)
      accepted.push({
        id: (JSON.parse(text) as { requestId: string }).requestId,
        mobile: p.mobiles[0]!,
        at: Date.now(),
      });
  };
  // Someone to log in as, registered through the whole pipeline before the load starts.
  await register(0, people[0]!, "10.0.0.1");
  accepted.length = 0;
  answers.length = 0;
  for (let i = 0; i < 120; i++) {
    const login = JSON.stringify({ nationalId: people[0]!.nationalId, password: PASSWORD });
    if ((await call(ctx, 0, "/api/login", login, "10.0.0.2")).status === 200) break;
    await sleep(500);
  }
  const ip = () =>
    `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const lane = async (pauseMs: number, request: (i: number) => Promise<void>) => {
    let i = 0;
    while (running) {
      await request(i++);
      await sleep(pauseMs);
    }
  };
  const loads = [
    ...Array.from({ length: fault.lanes ?? 2 }, (_, l) =>
      lane(150, () => register(l, people[next++]!, ip())),
    ),
    lane(200, async (i) =>
      answer(
        "tracking",
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
    ),
    lane(300, async (i) =>
      answer(
        "login",
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
  const faultFrom = Date.now();
  await fault.inject(ctx);
  const faultEnd = t();
  const healedAt = Date.now();
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
    const delivered = new Set(
      [...sms.deliveries.values()].filter((d) => !d.text.startsWith(CODE_SMS)).map((d) => d.to),
    );
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

  const outcomesTo = new Map<string, Set<string>>();
  const codesTo = new Map<string, Set<string>>();
  let repeats = 0;
  const resent = { code: 0, outcome: 0 };
  for (const [id, d] of sms.deliveries) {
    const kind = d.text.startsWith(CODE_SMS) ? "code" : "outcome";
    const to = kind === "code" ? codesTo : outcomesTo;
    if (!to.has(d.to)) to.set(d.to, new Set());
    to.get(d.to)!.add(id);
    repeats += d.count - 1;
    resent[kind] += d.count - 1;
  }
  // Codes asked while the fault was on: asking to the gateway, p50/p99/max; one never received counts as ∞.
  const codeTimes = [...askedAt.entries()]
    .filter(([, at]) => at >= faultFrom && at <= healedAt)
    .map(([mobile, at]) => (sms.codeAt.get(mobile) ?? Number.POSITIVE_INFINITY) - at)
    .sort((a, b) => a - b);
  const pct = (q: number) => codeTimes[Math.min(codeTimes.length - 1, Math.ceil(q * codeTimes.length) - 1)]!;
  const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)}` : "∞");
  // The registrations accepted before the healing: how long after it the last of them was decided and
  // its SMS reached the gateway (one never decided counts as ∞).
  const before = accepted.filter((a) => a.at <= healedAt);
  const decidedAt = disk
    ? undefined
    : await client
        .query<{ id: string; decided_at: Date | null }>(
          "select id, decided_at from registration_requests where id = any($1)",
          [before.map((a) => a.id)],
        )
        .then((r) => new Map(r.rows.map((row) => [row.id, row.decided_at?.getTime()])))
        .catch(() => undefined);
  const latest = (times: (number | undefined)[]) =>
    Math.max(0, ...times.map((at) => (at === undefined ? Number.POSITIVE_INFINITY : at - healedAt)));
  const lastDecided = decidedAt && latest(before.map((a) => decidedAt.get(a.id)));
  const lastSms = latest(before.map((a) => sms.outcomeAt.get(a.mobile)));
  const range = (counts: number[]) => (counts.length ? `${Math.min(...counts)}–${Math.max(...counts)}` : "–");
  const counts = accepted.map((a) => outcomesTo.get(a.mobile)?.size ?? 0);
  const codeCounts = accepted.map((a) => codesTo.get(a.mobile)?.size ?? 0);
  const errors = answers.filter((a) => a.status >= 500 || a.status === 0);
  const grace = 5;
  const outside = errors.filter((e) => e.t < faultStart || e.t > faultEnd + grace).length;
  const lastError = errors.length ? Math.max(...errors.map((e) => e.t)) : undefined;
  const row: Row = {
    fault: fault.name,
    accepted: accepted.length,
    outcomes,
    smsPerPerson: range(counts),
    codesPerPerson: range(codeCounts),
    repeats,
    errors5xx: errors.length,
    errorWindow: errors.length
      ? `${(errors[0]!.t - faultStart).toFixed(1)}…${((lastError ?? 0) - faultStart).toFixed(1)} s`
      : "–",
    outside,
    recoverS: lastError === undefined ? 0 : Math.max(0, Math.round((lastError - faultEnd) * 10) / 10),
    drainS,
    crashes: ctx.crashes,
    ...(codeTimes.length
      ? {
          codeS: `${secs(pct(0.5))} / ${secs(pct(0.99))} / ${secs(codeTimes.at(-1)!)} s (${codeTimes.length})`,
        }
      : {}),
    ...(lastDecided !== undefined && before.length
      ? { healedS: `${secs(lastDecided)} s, its SMS ${secs(lastSms)} s (${before.length} accepted before)` }
      : {}),
  };
  const byStatus = new Map<string, number>();
  for (const a of answers)
    byStatus.set(`${a.kind} ${a.status}`, (byStatus.get(`${a.kind} ${a.status}`) ?? 0) + 1);
  row.note = [
    [...byStatus.entries()].map(([k, n]) => `${k}×${n}`).join(", "),
    `resent ids: ${resent.code} code, ${resent.outcome} outcome`,
    ...(codesLate ? [`${codesLate} step-1 codes not received within ${CODE_WAIT_MS / 1000} s`] : []),
    ...ctx.notes,
  ].join("; ");

  await client.end().catch(() => {});
  for (const s of [...ctx.web, ...ctx.workers]) s.child.kill("SIGKILL");
  await sleep(500);
  registryHttp.closeAllConnections();
  registryHttp.close();
  for (const server of [sms.server, sms.peer]) {
    server.closeAllConnections();
    server.close();
  }
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
    "outcome SMS/person (ids)",
    "code SMS/person (ids)",
    "resent ids",
    "5xx+dropped",
    "when (from fault)",
    "outside window",
    "recovered after",
    "drained in",
    "crashes",
    "code at gateway p50 / p99 / max (codes)",
    "last outcome after healing",
  ];
  const lines = rows.map((r) => [
    r.fault,
    String(r.accepted),
    String(r.outcomes),
    r.smsPerPerson,
    r.codesPerPerson ?? "–",
    String(r.repeats),
    String(r.errors5xx),
    r.errorWindow,
    String(r.outside),
    typeof r.recoverS === "number" ? `${r.recoverS} s` : r.recoverS,
    typeof r.drainS === "number" ? `${r.drainS} s` : r.drainS,
    String(r.crashes),
    r.codeS ?? "–",
    r.healedS ?? "–",
  ]);
  const md = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [md(head), md(head.map(() => "---")), ...lines.map(md)].join("\n");
}

const work = mkdtempSync(join(tmpdir(), "hoviat-faults-"));
console.error(LIMITS_NOTE);
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
console.log(`\n${LIMITS_NOTE}.`);
writeFileSync(
  file,
  `${JSON.stringify({ cpus: execFileSync("nproc", { encoding: "utf8" }).trim(), limits: LIMITS_NOTE, rows: merged }, null, 2)}\n`,
);
console.error(`written to ${file}`);
