// `npm run soak [-- --minutes=10]`: steady mixed load (registrations through step 1, tracking, logins) on a private
// PostgreSQL cluster against one web and one worker process; every 10 s the resident memory of each
// process and the p99 latency of the last 10 s are sampled. A leak shows as RSS that keeps climbing.
// Results go to bench/results/<date>-soak.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster } from "./cluster.ts";
import {
  mobileProof,
  PASSWORD,
  person,
  ROOT,
  registrationBody,
  rssMiB,
  sleep,
  startServer,
  stopServer,
} from "./lib.ts";

const MINUTES = Number(process.argv.find((a) => a.startsWith("--minutes="))?.slice(10) ?? 10);
const PEOPLE = Math.max(2_000, MINUTES * 1_500);

const work = mkdtempSync(join(tmpdir(), "hoviat-soak-"));
const cluster = await startCluster();
type Sample = {
  t: number;
  webMiB: number;
  workerMiB: number;
  requests: number;
  p99ms: number;
  errors: number;
  /** Answers of the 10 s by request and status, e.g. "registration 202×40" (a registration includes step 1). */
  statuses: string;
};
const samples: Sample[] = [];
try {
  const url = await cluster.createDatabase("hoviat_soak");
  const people = Array.from({ length: PEOPLE }, (_, n) => person(4, n));
  const fixture = join(work, "registry.json");
  writeFileSync(fixture, JSON.stringify({ people }));
  // The outbox SMS provider (the default): step 1 reads its code from /api/dev/outbox. Rate limits on;
  // each person asks one code and every request comes from an address of its own (TRUST_PROXY=1).
  const env = { DATABASE_URL: url, REGISTRY_FIXTURE: fixture, TRUST_PROXY: "1", LOG_LEVEL: "error" };
  const web = await startServer("src/main.ts", { ...env, ROLE: "web" }, 90_000);
  const worker = await startServer("src/main.ts", { ...env, ROLE: "worker" }, 90_000);
  const base = `http://127.0.0.1:${web.port}`;
  const address = () =>
    `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const post = async (path: string, body: string, ip = address()) => {
    const started = performance.now();
    const status = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip },
      body,
      signal: AbortSignal.timeout(20_000),
    }).then(
      async (r) => {
        await r.text();
        return r.status;
      },
      () => 0,
    );
    return { status, ms: performance.now() - started };
  };
  /** Step 1 (timed with the submission: it is part of registering), then the registration. */
  const register = async (n: number) => {
    const p = people[n]!;
    const started = performance.now();
    const from = address();
    const proof = await mobileProof(web.port, p.nationalId, p.mobiles[0]!, from).catch(() => undefined);
    if (!proof) return { status: 0, ms: performance.now() - started };
    const { status } = await post("/api/registrations", registrationBody(p, proof), from);
    return { status, ms: performance.now() - started };
  };
  await register(0);
  const login = JSON.stringify({ nationalId: people[0]!.nationalId, password: PASSWORD });
  for (let i = 0; i < 120 && (await post("/api/login", login)).status !== 200; i++) await sleep(500);

  let window: { ms: number; status: number; kind: string }[] = [];
  let next = 1;
  let running = true;
  const lane = async (
    kind: string,
    pauseMs: number,
    request: (i: number) => Promise<{ status: number; ms: number }>,
  ) => {
    for (let i = 0; running; i++) {
      window.push({ ...(await request(i)), kind });
      await sleep(pauseMs);
    }
  };
  const lanes = [
    lane("registration", 150, () => register(next++ % PEOPLE)),
    lane("tracking", 200, (i) =>
      post(
        "/api/registrations/tracking",
        JSON.stringify({
          nationalId: people[1 + (i % 50)]!.nationalId,
          mobile: people[1 + (i % 50)]!.mobiles[0],
        }),
      ),
    ),
    lane("login", 100, () => post("/api/login", login)),
  ];
  const start = Date.now();
  while (Date.now() - start < MINUTES * 60_000) {
    await sleep(10_000);
    const batch = window;
    window = [];
    const sorted = batch.map((b) => b.ms).sort((a, b) => a - b);
    const sample: Sample = {
      t: Math.round((Date.now() - start) / 1000),
      webMiB: Math.round(rssMiB(web.child.pid!)),
      workerMiB: Math.round(rssMiB(worker.child.pid!)),
      requests: batch.length,
      p99ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
      errors: batch.filter((b) => b.status >= 500 || b.status === 0).length,
      statuses: [
        ...batch.reduce(
          (m, b) => m.set(`${b.kind} ${b.status}`, (m.get(`${b.kind} ${b.status}`) ?? 0) + 1),
          new Map<string, number>(),
        ),
      ]
        .map(([k, n]) => `${k}×${n}`)
        .join(", "),
    };
    samples.push(sample);
    console.error(JSON.stringify(sample));
  }
  running = false;
  await Promise.all(lanes);
  await stopServer(web);
  await stopServer(worker);
} finally {
  cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
const first = samples[0];
const last = samples[samples.length - 1];
console.log("| t (s) | web RSS MiB | worker RSS MiB | requests / 10 s | p99 ms | 5xx |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const s of samples)
  console.log(`| ${s.t} | ${s.webMiB} | ${s.workerMiB} | ${s.requests} | ${s.p99ms} | ${s.errors} |`);
if (first && last)
  console.log(
    `\nRSS web ${first.webMiB} → ${last.webMiB} MiB, worker ${first.workerMiB} → ${last.workerMiB} MiB`,
  );
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const file = join(ROOT, "bench/results", `${new Date().toISOString().slice(0, 10)}-soak.json`);
writeFileSync(file, `${JSON.stringify({ minutes: MINUTES, samples }, null, 2)}\n`);
console.error(`written to ${file}`);
