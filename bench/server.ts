// The server under benchmark: the real system (startSystem, as `npm start` runs it) on PORT, plus a
// bare Fastify instance on BENCH_BASELINE_PORT holding the baselines that must reach the same
// database over the same connection (embedded PGlite is only reachable inside this process):
//   POST /baseline/tracking  one indexed SELECT, nothing else (the tracking baseline)
//   POST /bench/seed         accounts and pending requests for the load scenarios
//   POST /bench/verify       enqueue N pending registrations like a submit would, wait until decided
//   POST /bench/jobs         raw pg-boss throughput: N no-op jobs sent, wait until all completed
//   POST /bench/statements   statements sent to the database since the last call, by text or name
import Fastify from "fastify";
import { sql } from "kysely";
import pg from "pg";
import { storeRequest } from "../src/flows/registration/service.ts";
import { VERIFY_LEASE_MS, VERIFY_QUEUE } from "../src/flows/registration/verification-job.ts";
import { loadConfig } from "../src/platform/config.ts";
import { prepared } from "../src/platform/database.ts";
import { hashSecret } from "../src/platform/passwords.ts";
import { startSystem } from "../src/system.ts";
import { QUEUES } from "../src/worker.ts";
import { PASSWORD, type Person } from "./lib.ts";

// Every statement of this process (the system's, pg-boss's, PGlite's through its stream), counted by its
// prepared name or text: the sign-in rows say how many round trips a sign-in takes, and which.
const statements = new Map<string, number>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const q = args[0] as string | { text?: string; name?: string } | undefined;
  const text = typeof q === "string" ? q : (q?.name ?? q?.text ?? "?");
  const key = text.replace(/\s+/g, " ").trim().slice(0, 100);
  statements.set(key, (statements.get(key) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const config = loadConfig();
const system = await startSystem({ config });
const { db, jobs } = system;
const phc = await hashSecret(PASSWORD);
const base = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
const deadline = (ms: number) => performance.now() + Math.min(ms, 170_000);

base.post("/baseline/tracking", async (request) => {
  const { nationalId, mobile } = request.body as { nationalId: string; mobile: string };
  // Prepared by name like the tracking route's own statement, so that the row compares the frames.
  const query = sql<{ status: string; created_at: Date }>`
    select status, created_at from registration_requests where national_id = ${nationalId}
    and mobile = ${mobile} order by created_at desc limit 1`.compile(db);
  const row = await db.executeQuery(prepared("bench.tracking", query));
  return { status: row.rows[0]?.status ?? "not_found" };
});

type Pair = { nationalId: string; mobile: string };
base.post("/bench/seed", async (request) => {
  const { accounts, pending } = request.body as { accounts: Pair[]; pending: Pair[] };
  const now = new Date();
  const common = {
    first_name: "علی",
    last_name: "آزمون",
    gender: "male" as const,
    birth_date: "1365/04/12",
  };
  // One statement for all of them (the wrong-password load spreads over a thousand).
  await db
    .insertInto("accounts")
    .values(
      accounts.map((p) => ({
        ...common,
        id: crypto.randomUUID(),
        national_id: p.nationalId,
        mobile: p.mobile,
        email: "bench@example.com",
        birth_certificate_number: "1",
        status: "active" as const,
        password_hash: phc,
        registration_request_id: crypto.randomUUID(),
        created_at: now,
        updated_at: now,
        activated_at: now,
      })),
    )
    .onConflict((oc) => oc.doNothing())
    .execute();
  for (const p of pending) {
    await db
      .insertInto("registration_requests")
      .values({
        ...common,
        id: crypto.randomUUID(),
        national_id: p.nationalId,
        mobile: p.mobile,
        email: "bench@example.com",
        birth_certificate_number: "1",
        status: "pending",
        // Far in the future: the sweeper leaves this tracking target alone.
        next_attempt_at: new Date(now.getTime() + 86_400_000),
        created_at: now,
      })
      .execute();
  }
  return { ok: true };
});

/** A proved step 1 for each person (one statement), as the code SMS and its answer leave it. */
async function provedVerifications(people: Person[]): Promise<string[]> {
  const now = new Date();
  const ids = people.map(() => crypto.randomUUID());
  await db
    .insertInto("mobile_verifications")
    .values(
      people.map((p, i) => ({
        id: ids[i]!,
        national_id: p.nationalId,
        mobile: p.mobiles[0]!,
        code_hash: "bench",
        status: "proved" as const,
        expires_at: new Date(now.getTime() + 600_000),
        proof_hash: `bench-${ids[i]}`,
        proof_expires_at: new Date(now.getTime() + 600_000),
        created_at: now,
      })),
    )
    .execute();
  return ids;
}

// Counted where the system counts them: rows whose status left "pending" (by primary key, so that
// polling every 20 ms costs the one embedded connection little beside the pipeline it measures).
async function decided(ids: string[]): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from registration_requests
    where id = any(${ids}::uuid[]) and status <> 'pending'`.execute(db);
  return r.rows[0]?.n ?? 0;
}

base.post("/bench/verify", async (request) => {
  const { people, tag, timeoutMs } = request.body as { people: Person[]; tag: string; timeoutMs: number };
  const answers = ["q1", "q2", "q3"].map((questionId) => ({ questionId, hash: phc }));
  // Each request spends a step-1 proof, as a submit does; the proofs are made before the clock starts.
  const proofs = await provedVerifications(people);
  const started = performance.now();
  const ids: string[] = [];
  // What submitRegistration writes, without its four hashes: storeRequest, one statement per request.
  for (const [i, p] of people.entries()) {
    const now = new Date();
    const id = crypto.randomUUID();
    ids.push(id);
    await storeRequest({ db, jobs }, proofs[i]!, {
      id,
      national_id: p.nationalId,
      mobile: p.mobiles[0]!,
      first_name: p.firstName,
      last_name: p.lastName,
      gender: p.gender,
      birth_certificate_number: p.birthCertificateNumber,
      birth_date: p.birthDate,
      email: "bench@example.com",
      password_hash: phc,
      security_answers: answers,
      status: "pending",
      next_attempt_at: new Date(now.getTime() + VERIFY_LEASE_MS),
      created_at: now,
      client_ip: tag,
    });
    jobs.nudge(VERIFY_QUEUE);
  }
  const enqueued = performance.now();
  const end = deadline(timeoutMs);
  let n = await decided(ids);
  while (n < people.length && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    n = await decided(ids);
  }
  const seconds = (performance.now() - started) / 1000;
  return { decided: n, seconds, enqueueSeconds: (enqueued - started) / 1000 };
});

let noopWorker: string | undefined;
let completed = 0;
base.post("/bench/jobs", async (request) => {
  const { count, timeoutMs } = request.body as { count: number; timeoutMs: number };
  const name = "bench-noop";
  if (!noopWorker) {
    await jobs.boss.createQueue(name, { name, retryLimit: 5, expireInSeconds: 120 });
    // The same batch size as the verification queue, handler does nothing.
    noopWorker = await jobs.boss.work(name, { batchSize: QUEUES.verify.batchSize }, async (batch) => {
      completed += batch.length;
    });
  }
  const before = completed;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    await jobs.boss.send(name, { i });
    jobs.boss.notifyWorker(noopWorker);
  }
  const end = deadline(timeoutMs);
  while (completed - before < count && performance.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return { completed: completed - before, seconds: (performance.now() - started) / 1000 };
});

base.post("/bench/statements", async () => {
  const counted = Object.fromEntries(statements);
  statements.clear();
  return counted;
});

// The baselines listen before the system answers /healthz, which is what the bench waits for.
await base.listen({ port: Number(process.env.BENCH_BASELINE_PORT ?? 0), host: "127.0.0.1" });
await system.app.listen({ port: config.port, host: config.host });

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    const hard = setTimeout(() => process.exit(1), 12_000);
    hard.unref();
    Promise.all([base.close(), system.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
