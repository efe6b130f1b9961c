// A worker process killed (SIGKILL) in the middle of a verification: another worker finishes the
// request, and the person still gets exactly one SMS. Needs a second process on the same database,
// so it runs on PostgreSQL (embedded PGlite lives inside one process by design).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, test } from "node:test";
import { loadConfig } from "../src/platform/config.ts";
import { startWorker } from "../src/worker.ts";
import { ali } from "./helpers/people.ts";
import { registerInProcess } from "./helpers/registration.ts";
import { eventually, onPostgres, startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
let child: ChildProcess | undefined;

before(async () => {
  if (onPostgres) sys = await startTestSystem({ WORKER: "false" });
});
after(async () => {
  child?.kill("SIGKILL");
  await sys?.stop();
});

test("a worker killed mid-verification: the request still ends once, with one SMS", {
  skip: !onPostgres && "needs DATABASE_URL",
}, async () => {
  const res = await registerInProcess(sys, ali);
  assert.equal(res.statusCode, 202);
  const { requestId } = res.json() as { requestId: string };

  // A separate worker process whose registry calls take 30 s: it takes the job and is killed in the call.
  child = spawn(process.execPath, ["src/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "test",
      DATABASE_URL: (sys.database.pool.options as { connectionString: string }).connectionString,
      PORT: "0",
      OPS_PORT: "0",
      REGISTRY_LATENCY_MS: "30000",
      LOG_LEVEL: "silent",
      CI: "1",
    },
    stdio: "ignore",
  });
  await eventually(async () => {
    const jobs = await sys.database.pool.query(
      "select 1 from pgboss.job where name = 'registration-verify' and state = 'active'",
    );
    return jobs.rowCount ? true : undefined;
  }, 30_000);
  child.kill("SIGKILL");
  await new Promise((resolve) => child!.once("exit", resolve));

  const row = await sys.db
    .selectFrom("registration_requests")
    .select("status")
    .where("id", "=", requestId)
    .executeTakeFirstOrThrow();
  assert.equal(row.status, "pending", "nothing was decided by the dead worker");

  // A healthy worker takes over once the dead one's lease has run out.
  const worker = await startWorker({
    jobs: sys.jobs,
    verify: sys.verify,
    courier: sys.courier,
    logger: sys.logger,
    throttles: sys.throttles,
    sweepIntervalMs: 3_600_000,
    retention: loadConfig({ NODE_ENV: "test" }).retention,
  });
  try {
    sys.clock.advance(2 * 60_000);
    await worker.sweep();
    await eventually(async () => {
      const r = await sys.db
        .selectFrom("registration_requests")
        .select("status")
        .where("id", "=", requestId)
        .executeTakeFirst();
      return r?.status === "active" ? true : undefined;
    });
    // The outcome SMS; the step-1 code SMS before it is not what this test counts.
    const outcomes = () =>
      sys.db
        .selectFrom("outbox")
        .innerJoin("messages", "messages.id", "outbox.message_id")
        .select("outbox.message_id")
        .where("outbox.recipient", "=", ali.mobile)
        .where("messages.template", "!=", "registration.mobileCode")
        .execute();
    await eventually(async () => ((await outcomes()).length > 0 ? true : undefined));
    // Give a straggling duplicate every chance to show up before counting.
    await new Promise((r) => setTimeout(r, 1_500));
    await worker.sweep();
    assert.equal((await outcomes()).length, 1);
  } finally {
    worker.stop();
  }
});
