// Graceful shutdown: closing the system (what SIGTERM does) waits for the verification in flight,
// so its outcome and its SMS are written before the database closes; nothing is left half-done.
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { ali } from "./helpers/people.ts";
import { httpCall, registerInProcess, submitProved } from "./helpers/registration.ts";
import { eventually, onPostgres, startTestSystem } from "./helpers/system.ts";
import { freshDatabase, startHoviat } from "./ops-processes.ts";

test("system.close() lets an in-flight verification finish before the database closes", async () => {
  const sys = await startTestSystem({ REGISTRY_LATENCY_MS: "1500" });
  const res = await registerInProcess(sys, ali);
  const { requestId } = res.json() as { requestId: string };
  await eventually(async () => (sys.registry.calls > 0 ? true : undefined));

  let atClose: { status: string; messages: number } | undefined;
  const closeDatabase = sys.database.close;
  sys.database.close = async () => {
    const row = await sys.db
      .selectFrom("registration_requests")
      .select("status")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    const messages = await sys.db.selectFrom("messages").select("id").execute();
    atClose = { status: row.status, messages: messages.length };
    return closeDatabase();
  };
  await sys.stop();
  // The step-1 code SMS and the outcome SMS.
  assert.deepEqual(atClose, { status: "active", messages: 2 });
});

test("SIGTERM to a server process drains the verification in flight, then exits 0", {
  skip: !onPostgres && "needs DATABASE_URL: embedded PGlite cannot be read from outside its process",
}, async () => {
  const database = await freshDatabase();
  const server = await startHoviat({ ...database.env, REGISTRY_LATENCY_MS: "1500" });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const res = await submitProved(httpCall(server.url), ali);
    assert.equal(res.status, 202);
    await eventually(async () => {
      const active = await client.query(
        "select 1 from pgboss.job where name = 'registration-verify' and state = 'active'",
      );
      return active.rowCount ? true : undefined;
    });
    assert.equal(await server.stop("SIGTERM"), 0);
    const { rows } = await client.query("select status from registration_requests");
    assert.deepEqual(rows, [{ status: "active" }]);
    const messages = await client.query(
      "select status from messages where template <> 'registration.mobileCode'",
    );
    assert.equal(messages.rowCount, 1, "the outcome SMS was queued in the same transaction");
  } finally {
    await client.end();
    await server.stop("SIGKILL");
    await database.drop();
  }
});
