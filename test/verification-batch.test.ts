// The requests of a fetched batch are decided in one statement; a request that breaks it is tried
// again on its own, so it fails alone and the others still reach their one outcome and one SMS.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { verifyRegistrations } from "../src/flows/registration/verification-job.ts";
import { abdollah, ali, zahra } from "./helpers/people.ts";
import { registerInProcess } from "./helpers/registration.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem({ WORKER: "false" });
});
after(() => sys.stop());

async function submitted(person: typeof ali): Promise<string> {
  const res = await registerInProcess(sys, person);
  assert.equal(res.statusCode, 202);
  return (res.json() as { requestId: string }).requestId;
}

const statusOf = async (id: string) =>
  (
    await sys.db
      .selectFrom("registration_requests")
      .select("status")
      .where("id", "=", id)
      .executeTakeFirstOrThrow()
  ).status;

/** Outcome messages with their send job: exactly one of each per decided request. */
const outcomeJobs = async (id: string) =>
  (
    await sys.database.pool.query(
      `select m.id from messages m join pgboss.job j on j.data->>'id' = m.id::text
       where m.dedupe_key = $1 and j.name = 'courier-send'`,
      [`registration:${id}:outcome`],
    )
  ).rowCount;

test("one request that fails the batch's statement fails alone; the others are decided", async () => {
  const [good, broken, other] = [await submitted(ali), await submitted(zahra), await submitted(abdollah)];
  // An account cannot be made without a password hash: this request's insert fails the statement.
  await sys.db
    .updateTable("registration_requests")
    .set({ password_hash: null })
    .where("id", "=", broken)
    .execute();

  const results = await verifyRegistrations(sys.verify, [good, broken, other, good]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled", "fulfilled"],
  );
  assert.equal(await statusOf(broken), "pending", "retried by its job, nothing half-written");
  assert.equal(await outcomeJobs(broken), 0);
  for (const id of [good, other]) {
    assert.notEqual(await statusOf(id), "pending");
    assert.equal(await outcomeJobs(id), 1);
  }

  // Delivered again (a lost completion): nothing more is written.
  await verifyRegistrations(sys.verify, [good, other]);
  assert.equal(await outcomeJobs(good), 1);
  assert.equal(await outcomeJobs(other), 1);
});
