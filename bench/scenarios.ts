import pg from "pg";
import {
  argonBaseline,
  countOf,
  cpuSeconds,
  GENERATOR,
  type Load,
  load,
  mobileOf,
  mobileProof,
  nationalId,
  PASSWORD,
  type Person,
  person,
  postJson,
  registrationBody,
  rssMiB,
  type Server,
  sleep,
  startWithRetry,
  stopServer,
} from "./lib.ts";

export type Row = {
  id: string;
  scenario: string;
  project: string;
  baseline: string;
  ratio: number | null;
  target: string;
  pass: boolean | null;
  /** The load generator of the row's figures (wrk or autocannon), "–" when nothing was loaded. */
  generator?: string;
  note?: string;
};
export type Settings = {
  quick: boolean;
  cores: number;
  seconds: number;
  verifyCount: number;
  jobCount: number;
};

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
/** Rounds of one load as one: requests over time, latency means weighted by count. */
function combine(loads: Load[]): Load {
  const total = loads.reduce((n, l) => n + l.total, 0);
  const seconds = loads.reduce((n, l) => n + l.total / l.rps, 0);
  const codes = new Map<string, number>();
  for (const l of loads) {
    for (const [, code, n] of l.codes.matchAll(/(\w+)×(\d+)/g))
      codes.set(code!, (codes.get(code!) ?? 0) + Number(n));
  }
  return {
    rps: total / seconds,
    meanMs: loads.reduce((n, l) => n + l.meanMs * l.total, 0) / total,
    p50: Math.max(...loads.map((l) => l.p50)),
    p99: Math.max(...loads.map((l) => l.p99)),
    total,
    codes: [...codes].map(([k, n]) => `${k}×${n}`).join(" "),
    generator: loads[0]?.generator ?? GENERATOR,
  };
}
export const row = (r: Omit<Row, "pass"> & { pass?: boolean | null }): Row => ({ pass: null, ...r });

export const LOGIN_ID = nationalId(5, 0);
export const TRACK = { nationalId: nationalId(5, 1), mobile: mobileOf(5, 1) };
/** Accounts the wrong-password load spreads over, so none reaches its allowance of 5 failures. */
export const WRONG_ACCOUNTS = 1_000;
const wrongId = (k: number) => nationalId(5, 10 + (k % WRONG_ACCOUNTS));
// The right-password load signs in a thousand people in turn, as many people do: one account signed
// in a hundred times a second measured the lock queue on its one counter row, which no real load has.
const RIGHT_ACCOUNTS = 1_000;
const rightId = (k: number) => nationalId(5, 2_000 + (k % RIGHT_ACCOUNTS));
export const loginBody = (password: string, id = LOGIN_ID) => JSON.stringify({ nationalId: id, password });

export async function seed(server: Server) {
  const accounts = [{ nationalId: LOGIN_ID, mobile: mobileOf(5, 0) }];
  for (let k = 0; k < WRONG_ACCOUNTS; k++)
    accounts.push({ nationalId: wrongId(k), mobile: mobileOf(5, 10 + k) });
  for (let k = 0; k < RIGHT_ACCOUNTS; k++)
    accounts.push({ nationalId: rightId(k), mobile: mobileOf(5, 2_000 + k) });
  await postJson(server.basePort, "/bench/seed", { accounts, pending: [TRACK] });
}

/** Start-up time and resident memory at rest of `src/main.ts` (the embedded default). */
export async function startup(): Promise<{
  fresh: number;
  existing: number;
  freshMiB: number;
  existingMiB: number;
}> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "hoviat-startup-"));
  const env = { DATA_DIR: join(dir, "data"), DATABASE_URL: "" };
  const atRest = async (server: Server) => {
    await sleep(2_000);
    return rssMiB(server.child.pid!);
  };
  try {
    const fresh = await startWithRetry("src/main.ts", env);
    const freshMiB = await atRest(fresh);
    await stopServer(fresh);
    const existing = await startWithRetry("src/main.ts", env);
    const existingMiB = await atRest(existing);
    await stopServer(existing);
    return { fresh: fresh.seconds, existing: existing.seconds, freshMiB, existingMiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PostgreSQL backends of the bench database (their CPU is the login's too), or none on PGlite. */
export async function backendPids(dbUrl: string | undefined): Promise<number[]> {
  if (!dbUrl) return [];
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
    );
    return r.rows.map((x) => x.pid);
  } finally {
    await client.end();
  }
}

type StatementStat = { query: string; calls: number; execMs: number; planMs: number; rows: number };

/**
 * pg_stat_statements of the bench database, or null where it cannot be loaded (it needs
 * `shared_preload_libraries`); `reset` starts it again. The login's CPU row reads it around its
 * right-password rounds, so the README can say where a login's database time goes.
 */
async function statementStats(dbUrl: string | undefined, reset: boolean): Promise<StatementStat[] | null> {
  if (!dbUrl) return null;
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    await client.query("create extension if not exists pg_stat_statements");
    if (reset) {
      await client.query("select pg_stat_statements_reset()");
      return [];
    }
    const r = await client.query<StatementStat>(
      `select query, calls::int, total_exec_time as "execMs", total_plan_time as "planMs", rows::int
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
       order by total_exec_time + total_plan_time desc limit 12`,
    );
    return r.rows;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

/**
 * Login (right, wrong, unknown) against the raw verify rate, with rate limits ON (TRUST_PROXY=1, each
 * request from an address of its own as behind a proxy), the CPU of a login beyond its hash, and RSS.
 */
export async function loginRows(server: Server, s: Settings, dbUrl: string | undefined): Promise<Row[]> {
  const rows: Row[] = [];
  // Twice as many requests in flight as cores, for the load and its baseline alike: the hash threads
  // then never wait for a round trip, so the ratio measures CPU spent, not latency.
  const c = s.cores * 2;
  await sleep(1_000);
  // Interleaved rounds (baseline, right, wrong, unknown) so drift on a shared machine hits all alike.
  const rounds = s.quick ? 1 : 3;
  const t = s.seconds / rounds;
  const runs: Load[][] = [[], [], []];
  const bases: { opsPerSec: number; meanMs: number; cpuMs: number }[] = [];
  let peakMiB = rssMiB(server.child.pid!);
  const sampler = setInterval(() => {
    peakMiB = Math.max(peakMiB, rssMiB(server.child.pid!));
  }, 200);
  let u = 0;
  let w = 0;
  let r = 0;
  let a = 0;
  const address = () => ({ "x-forwarded-for": `10.2.${(++a >> 8) & 255}.${a & 255}` });
  let cpu = 0;
  const pids = new Set<number>();
  const statements = new Map<string, StatementStat>();
  for (let i = 0; i < rounds; i++) {
    bases.push(await argonBaseline("verify", c, t));
    const bodies = [
      () => loginBody(PASSWORD, rightId(r++)),
      () => loginBody("Wrong2026pass", wrongId(w++)),
      () => loginBody(PASSWORD, nationalId(7, ++u)),
    ];
    for (const [k, body] of bodies.entries()) {
      if (k === 0) await statementStats(dbUrl, true);
      const before = k === 0 ? await backendPids(dbUrl) : [];
      const cpuBefore = cpuSeconds(server.child.pid!) + before.reduce((n, p) => n + cpuSeconds(p), 0);
      const l = await load(server.port, "/api/login", {
        connections: c,
        seconds: t,
        bodies: body,
        headers: address,
        distinct: k === 1 ? WRONG_ACCOUNTS : 20_000,
      });
      if (k === 0) {
        const after = await backendPids(dbUrl);
        for (const p of [...before, ...after]) pids.add(p);
        // A backend that started during the load had used nothing before it.
        const backends = [...new Set([...before, ...after])].reduce((n, p) => n + cpuSeconds(p), 0);
        cpu += cpuSeconds(server.child.pid!) + backends - cpuBefore;
        for (const st of (await statementStats(dbUrl, false)) ?? []) {
          const sum = statements.get(st.query) ?? { ...st, calls: 0, execMs: 0, planMs: 0, rows: 0 };
          for (const n of ["calls", "execMs", "planMs", "rows"] as const) sum[n] += st[n];
          statements.set(st.query, sum);
        }
      }
      runs[k]!.push(l);
    }
  }
  clearInterval(sampler);
  const [right, wrong, unknown] = runs.map(combine) as [Load, Load, Load];
  const verifyBase = {
    opsPerSec: bases.reduce((n, b) => n + b.opsPerSec, 0) / rounds,
    meanMs: bases.reduce((n, b) => n + b.meanMs, 0) / rounds,
    cpuMs: bases.reduce((n, b) => n + b.cpuMs, 0) / rounds,
  };
  const base = `${f(verifyBase.opsPerSec)} verify/s (mean ${f(verifyBase.meanMs)} ms)`;
  const login = (id: string, name: string, l: typeof right, code: number, target: number) => {
    const ratio = l.rps / verifyBase.opsPerSec;
    const ok = countOf(l, code) === l.total;
    rows.push(
      row({
        id,
        scenario: name,
        project: `${f(l.rps)} req/s (mean ${f(l.meanMs)} ms)`,
        baseline: base,
        ratio,
        target: `≥ ${target}`,
        pass: ok && ratio >= target,
        generator: l.generator,
        note: l.codes,
      }),
    );
  };
  const target = dbUrl ? 0.85 : 0.8;
  login("login.right", "login, right password, limits on", right, 200, target);
  login("login.wrong", "login, wrong password, limits on", wrong, 401, target);
  login("login.unknown", "login, unknown ID, limits on", unknown, 401, target);
  // The oracle from requests interleaved one by one (wrong, unknown, unknown, wrong, …): on a shared
  // machine the load drifts between the separate rounds above more than 5 %, and hits both alike here.
  const pairs = s.quick ? 10 : 60;
  const timed: { wrong: number[]; unknown: number[] } = { wrong: [], unknown: [] };
  const once = async (kind: "wrong" | "unknown") => {
    const body =
      kind === "wrong" ? loginBody("Wrong2026pass", wrongId(w++)) : loginBody(PASSWORD, nationalId(7, ++u));
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${server.port}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json", ...address() },
      body,
    });
    await res.arrayBuffer();
    if (res.status === 401) timed[kind].push(performance.now() - started);
  };
  await Promise.all(
    Array.from({ length: s.cores }, async (_, lane) => {
      for (let i = 0; i < pairs; i++) {
        const order: ("wrong" | "unknown")[] = (i + lane) % 2 ? ["wrong", "unknown"] : ["unknown", "wrong"];
        for (const kind of order) await once(kind);
      }
    }),
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [wrongMs, unknownMs] = [mean(timed.wrong), mean(timed.unknown)];
  const oracle = Math.abs(wrongMs / unknownMs - 1);
  rows.push(
    row({
      id: "login.oracle",
      scenario: "timing oracle: wrong vs unknown mean, interleaved",
      project: `${f(wrongMs)} / ${f(unknownMs)} ms (${timed.wrong.length} / ${timed.unknown.length} answered 401)`,
      baseline: `rounds above: ${f(wrong.meanMs)} / ${f(unknown.meanMs)} ms`,
      ratio: 1 + oracle,
      target: "within 5 %",
      pass:
        oracle <= 0.05 && timed.wrong.length === pairs * s.cores && timed.unknown.length === pairs * s.cores,
      generator: "fetch, interleaved",
      note: `wrong vs unknown ${f(oracle * 100)} %; right ${f(right.meanMs)} ms`,
    }),
  );
  const perLogin = (cpu * 1000) / right.total;
  const outside = perLogin - verifyBase.cpuMs;
  // Per right-password login: calls, execution and planning time of the heaviest statements.
  const perStatement = [...statements.values()]
    .sort((x, y) => y.execMs + y.planMs - (x.execMs + x.planMs))
    .slice(0, 6)
    .map(
      (st) =>
        `${f(st.calls / right.total, 2)} × ${f((st.execMs / st.calls) * 1000)} µs exec + ${f((st.planMs / st.calls) * 1000)} µs plan: ${st.query.replace(/\s+/g, " ").slice(0, 90)}`,
    );
  if (perStatement.length > 0) {
    console.log(`  pg_stat_statements, per right-password login:\n    ${perStatement.join("\n    ")}`);
  }
  rows.push(
    row({
      id: "login.cpu",
      scenario: "CPU per login outside the hash",
      project: `${f(outside, 2)} ms (${f(perLogin, 2)} ms per login${dbUrl ? `, server + ${pids.size} PostgreSQL backends` : ", server with PGlite inside"})`,
      baseline: `${f(verifyBase.cpuMs, 2)} ms CPU per raw verify`,
      ratio: outside / verifyBase.cpuMs,
      target: "report",
      generator: right.generator,
      ...(perStatement.length > 0 ? { note: `pg_stat_statements: ${perStatement.join(" | ")}` } : {}),
    }),
  );
  rows.push(
    row({
      id: "memory.load",
      scenario: "memory: RSS under login load",
      project: `${f(peakMiB)} MiB`,
      baseline: "–",
      ratio: null,
      target: "report",
    }),
  );
  return rows;
}

/** Tracking against one bare SELECT, registration submit against its four hashes (limits off). */
export async function trackingAndRegistration(server: Server, s: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  const c = s.cores;
  await sleep(1_000);
  const hashBase = await argonBaseline("hash", c * 4, s.seconds);
  const track = await load(server.port, "/api/registrations/tracking", {
    connections: c,
    seconds: s.seconds,
    body: JSON.stringify(TRACK),
  });
  const bare = await load(server.basePort, "/baseline/tracking", {
    connections: c,
    seconds: s.seconds,
    body: JSON.stringify(TRACK),
  });
  const tr = track.rps / bare.rps;
  rows.push(
    row({
      id: "tracking",
      scenario: "tracking",
      project: `${f(track.rps)} req/s (p99 ${f(track.p99)} ms)`,
      baseline: `${f(bare.rps)} req/s bare Fastify + 1 SELECT (p99 ${f(bare.p99)} ms)`,
      ratio: tr,
      target: "≥ 0.7",
      pass: countOf(track, 200) === track.total && tr >= 0.7,
      generator: track.generator,
      note: track.codes,
    }),
  );

  // Each registration spends the proof of its own pair: step 1 is done for every person beforehand,
  // outside the measured load (its cost is an SMS and two small writes, not the four hashes).
  const perReg = hashBase.opsPerSec / 4;
  // Three times the rate the hash baseline predicts: on a shared machine the load drifts, and a run
  // that outpaces its proofs answers 400 quickly and inflates the rate (the row then says so).
  const needed = Math.ceil(perReg * s.seconds * 3) + 10;
  const proved: { p: Person; proof: string }[] = [];
  for (let i = 1; i <= needed; i += 10) {
    const batch = Array.from({ length: Math.min(10, needed - i + 1) }, (_, k) => person(4, i + k));
    proved.push(
      ...(await Promise.all(
        batch.map(async (p) => ({ p, proof: await mobileProof(server.port, p.nationalId, p.mobiles[0]!) })),
      )),
    );
  }
  let r = 0;
  const reg = await load(server.port, "/api/registrations", {
    connections: c,
    seconds: s.seconds,
    bodies: () => {
      const next = proved[r++];
      return next ? registrationBody(next.p, next.proof) : registrationBody(person(4, needed + r));
    },
    distinct: needed * 2,
  });
  const rr = reg.rps / perReg;
  rows.push(
    row({
      id: "registration",
      scenario: "registration submit (202)",
      project: `${f(reg.rps)} req/s (mean ${f(reg.meanMs)} ms)`,
      baseline: `${f(perReg)} /s = ${f(hashBase.opsPerSec)} hash/s ÷ 4`,
      ratio: rr,
      target: "≥ 0.8",
      pass: countOf(reg, 202) === reg.total && rr >= 0.8,
      generator: reg.generator,
      note: countOf(reg, 202) === reg.total ? reg.codes : `${reg.codes}: not valid, ran out of step-1 proofs`,
    }),
  );
  return rows;
}

/** Registrations verified per second (through the real worker) and raw pg-boss no-op throughput. */
export async function verification(server: Server, s: Settings, people: Person[], latencyMs: number) {
  const timeoutMs = s.quick ? 40_000 : 120_000;
  const v = await postJson<{ decided: number; seconds: number }>(server.basePort, "/bench/verify", {
    people,
    tag: `bench-${latencyMs}`,
    timeoutMs,
  });
  const vRate = v.decided / v.seconds;
  const complete = v.decided === people.length;
  if (latencyMs > 0) {
    return {
      rate: vRate,
      row: row({
        id: `verification.${latencyMs}ms`,
        scenario: `verification pipeline, registry ${latencyMs} ms`,
        project: `${f(vRate)} verified/s (${v.decided}/${people.length})`,
        baseline: "see 0 ms row",
        ratio: null,
        target: "report",
        pass: complete,
      }),
    };
  }
  const j = await postJson<{ completed: number; seconds: number }>(server.basePort, "/bench/jobs", {
    count: s.jobCount,
    timeoutMs,
  });
  const jRate = j.completed / j.seconds;
  return {
    rate: vRate,
    row: row({
      id: "verification.0ms",
      scenario: "verification pipeline, registry 0 ms",
      project: `${f(vRate)} verified/s (${v.decided}/${people.length})`,
      baseline: `${f(jRate)} no-op jobs/s pg-boss (${j.completed}/${s.jobCount})`,
      ratio: vRate / jRate,
      target: "≥ 0.6",
      pass: complete && vRate / jRate >= 0.6,
    }),
  };
}

/**
 * With RATE_LIMITS=on and TRUST_PROXY=1: one IP attacks login (its failures past the threshold are
 * answered 429 challenge_required, unsolved) while others log in, each from an address of its own.
 */
export async function limiter(server: Server, s: Settings): Promise<Row> {
  let k = 0;
  const legit = () =>
    load(server.port, "/api/login", {
      connections: s.cores,
      seconds: s.seconds,
      bodies: () => loginBody(PASSWORD, rightId(k)),
      headers: () => ({ "x-forwarded-for": `10.1.${(++k >> 8) & 255}.${k & 255}` }),
    });
  const alone = await legit();
  let a = 0;
  const [under, attack] = await Promise.all([
    legit(),
    load(server.port, "/api/login", {
      connections: s.cores,
      seconds: s.seconds,
      bodies: () => loginBody("Guess2026pass", nationalId(8, ++a)),
      headers: () => ({ "x-forwarded-for": "10.66.66.66" }),
    }),
  ]);
  const rejected = countOf(attack, 429) / s.seconds;
  const ratio = under.rps / alone.rps;
  return row({
    id: "limiter",
    scenario: "limiter: one IP attacks login",
    project: `${f(rejected)} rejected/s (${attack.codes}); legit ${f(under.rps)} logins/s under attack`,
    baseline: `legit ${f(alone.rps)} logins/s without attack`,
    ratio,
    target: "≥ 0.9 (legit unaffected)",
    pass: countOf(attack, 429) > 0 && countOf(under, 200) === under.total && ratio >= 0.9,
    generator: under.generator,
    note: `legit codes under attack: ${under.codes}`,
  });
}
