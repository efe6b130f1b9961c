import {
  argonBaseline,
  countOf,
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
    for (const [, code, n] of l.codes.matchAll(/(\d+)×(\d+)/g))
      codes.set(code!, (codes.get(code!) ?? 0) + Number(n));
  }
  return {
    rps: total / seconds,
    meanMs: loads.reduce((n, l) => n + l.meanMs * l.total, 0) / total,
    p50: Math.max(...loads.map((l) => l.p50)),
    p99: Math.max(...loads.map((l) => l.p99)),
    total,
    codes: [...codes].map(([k, n]) => `${k}×${n}`).join(" "),
  };
}
export const row = (r: Omit<Row, "pass"> & { pass?: boolean | null }): Row => ({ pass: null, ...r });

export const LOGIN_ID = nationalId(5, 0);
export const TRACK = { nationalId: nationalId(5, 1), mobile: mobileOf(5, 1) };
export const loginBody = (password: string, id = LOGIN_ID) => JSON.stringify({ nationalId: id, password });

export async function seed(server: Server) {
  await postJson(server.basePort, "/bench/seed", {
    accounts: [{ nationalId: LOGIN_ID, mobile: mobileOf(5, 0) }],
    pending: [TRACK],
  });
}

export async function startup(): Promise<{ fresh: number; existing: number }> {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "hoviat-startup-"));
  const env = { DATA_DIR: join(dir, "data"), DATABASE_URL: "" };
  try {
    const fresh = await startWithRetry("src/main.ts", env);
    await stopServer(fresh);
    const existing = await startWithRetry("src/main.ts", env);
    await stopServer(existing);
    return { fresh: fresh.seconds, existing: existing.seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Login (right, wrong, unknown), memory, tracking and registration submit against their baselines. */
export async function throughput(server: Server, s: Settings): Promise<Row[]> {
  const rows: Row[] = [];
  const c = s.cores;
  await sleep(1_000);
  const restMiB = rssMiB(server.child.pid!);
  const hashBase = await argonBaseline("hash", c * 4, s.seconds);
  // Interleaved rounds (baseline, right, wrong, unknown) so drift on a shared machine hits all alike.
  const rounds = s.quick ? 1 : 3;
  const t = s.seconds / rounds;
  const runs: Load[][] = [[], [], []];
  const bases: { opsPerSec: number; meanMs: number }[] = [];
  let peakMiB = restMiB;
  const sampler = setInterval(() => {
    peakMiB = Math.max(peakMiB, rssMiB(server.child.pid!));
  }, 200);
  let u = 0;
  for (let i = 0; i < rounds; i++) {
    bases.push(await argonBaseline("verify", c, t));
    const bodies = [
      () => loginBody(PASSWORD),
      () => loginBody("Wrong2026pass"),
      () => loginBody(PASSWORD, nationalId(7, ++u)),
    ];
    for (const [k, body] of bodies.entries()) {
      runs[k]!.push(await load(server.port, "/api/login", { connections: c, seconds: t, bodies: body }));
    }
  }
  clearInterval(sampler);
  const [right, wrong, unknown] = runs.map(combine) as [Load, Load, Load];
  const verifyBase = {
    opsPerSec: bases.reduce((n, b) => n + b.opsPerSec, 0) / rounds,
    meanMs: bases.reduce((n, b) => n + b.meanMs, 0) / rounds,
  };
  const base = `${f(verifyBase.opsPerSec)} verify/s (mean ${f(verifyBase.meanMs)} ms)`;
  const login = (id: string, name: string, l: typeof right, code: number) => {
    const ratio = l.rps / verifyBase.opsPerSec;
    const ok = countOf(l, code) === l.total;
    rows.push(
      row({
        id,
        scenario: name,
        project: `${f(l.rps)} req/s (mean ${f(l.meanMs)} ms)`,
        baseline: base,
        ratio,
        target: "≥ 0.9",
        pass: ok && ratio >= 0.9,
        note: l.codes,
      }),
    );
  };
  login("login.right", "login, right password", right, 200);
  login("login.wrong", "login, wrong password", wrong, 401);
  login("login.unknown", "login, unknown ID", unknown, 401);
  const spread = Math.max(...[wrong, unknown].map((l) => Math.abs(l.meanMs / right.meanMs - 1)));
  rows.push(
    row({
      id: "login.oracle",
      scenario: "timing oracle: wrong / unknown mean vs right mean",
      project: `${f(wrong.meanMs)} / ${f(unknown.meanMs)} ms`,
      baseline: `${f(right.meanMs)} ms`,
      ratio: 1 + spread,
      target: "within 10 %",
      pass: spread <= 0.1,
      note: `largest difference ${f(spread * 100)} %; wrong vs unknown ${f(Math.abs(wrong.meanMs / unknown.meanMs - 1) * 100)} %`,
    }),
  );
  rows.push(
    row({
      id: "memory.rest",
      scenario: "memory: RSS at rest",
      project: `${f(restMiB)} MiB`,
      baseline: "–",
      ratio: null,
      target: "report",
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
      note: track.codes,
    }),
  );

  // Each registration spends the proof of its own pair: step 1 is done for every person beforehand,
  // outside the measured load (its cost is an SMS and two small writes, not the four hashes).
  const perReg = hashBase.opsPerSec / 4;
  const needed = Math.ceil(perReg * s.seconds * 1.5) + 10;
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
      note: reg.codes,
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
      target: "≥ 0.5",
      pass: complete && vRate / jRate >= 0.5,
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
      body: loginBody(PASSWORD),
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
    note: `legit codes under attack: ${under.codes}`,
  });
}
