// Quick recovery (issue 22): a job whose handler was cut by the database (a connection killed
// mid-transaction) releases its row, so the next sweep hands it out again instead of the row waiting
// out the lease it was given when its job was sent. Any other failure keeps the lease.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SEND_LEASE_MS, SEND_QUEUE } from "../src/flows/courier/courier.ts";
import { dispatchDue, releasingCutWork } from "../src/platform/sweeper.ts";
import { storedMessage } from "./helpers/messages.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(() => sys.stop());

const SEND = {
  table: "messages",
  activeStatus: "queued",
  queue: SEND_QUEUE,
  leaseMs: SEND_LEASE_MS,
} as const;
/** What pg reports when PostgreSQL ends the session (pg_terminate_backend, a restart). */
const terminated = Object.assign(new Error("terminating connection due to administrator command"), {
  code: "57P01",
});

/** A message as queueMessage leaves it: leased to the job sent with it. */
const leased = (status: "queued" | "sent" = "queued") =>
  storedMessage(sys, {
    body: "درخواست شما ثبت شد",
    status,
    next_attempt_at: new Date(sys.clock.now().getTime() + SEND_LEASE_MS),
  });

const dueAt = async (id: string) =>
  (
    await sys.db
      .selectFrom("messages")
      .select("next_attempt_at")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).next_attempt_at;

const failingWith = (reason: unknown) =>
  releasingCutWork(sys.db, SEND, sys.clock, async (batch) =>
    batch.map((): PromiseSettledResult<unknown> => ({ status: "rejected", reason })),
  );

test("a job cut by the database releases its row: the next sweep hands it out again", async () => {
  const cut = await leased();
  const sent = await leased("sent");
  const outcomes = await failingWith(terminated)([
    { id: "job-1", data: { id: cut } },
    { id: "job-2", data: { id: sent } },
  ]);
  assert.equal(outcomes[0]?.status, "rejected", "the job still fails (pg-boss retries it too)");
  assert.equal((await dueAt(cut)).getTime(), sys.clock.now().getTime());
  assert.equal(
    (await dueAt(sent)).getTime(),
    sys.clock.now().getTime() + SEND_LEASE_MS,
    "a final row is left alone",
  );
  const handed = await dispatchDue(sys.db, sys.jobs, SEND, sys.clock.now());
  assert.equal(handed, 1);
});

test("a handler that failed as a whole on a lost connection releases every row of its batch", async () => {
  const ids = [await leased(), await leased()];
  const handler = releasingCutWork(sys.db, SEND, sys.clock, async () => {
    throw terminated;
  });
  const outcomes = await handler(ids.map((id, i) => ({ id: `job-${i}`, data: { id } })));
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["rejected", "rejected"],
  );
  for (const id of ids) assert.equal((await dueAt(id)).getTime(), sys.clock.now().getTime());
});

test("any other failure keeps the lease: the row is not handed out again before it runs out", async () => {
  const id = await leased();
  await failingWith(new Error("a bug"))([{ id: "job-1", data: { id } }]);
  assert.equal((await dueAt(id)).getTime(), sys.clock.now().getTime() + SEND_LEASE_MS);
});
