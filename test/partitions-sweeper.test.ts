// The worker's sweep keeps the time partitions (src/platform/partitions.ts) as the clock moves: the months
// ahead are made, a sign-in months later is written and read as before, and a month of sessions past
// RETENTION_SESSIONS_DAYS is dropped while the holder's security events, kept two years, stay.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import { recordSignInFailure } from "../src/flows/account/security-events.ts";
import {
  MONTHS_AHEAD,
  maintainTable,
  monthStart,
  PARTITIONED_TABLES,
  partitionName,
  partitionsOf,
} from "../src/platform/partitions.ts";
import { createAccount, loginCookie } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const DAY_MS = 86_400_000;
let sys: TestSystem;
before(async () => {
  sys = await startTestSystem({ SECOND_FACTOR: "optional", RETENTION_SESSIONS_DAYS: "1" });
  await createAccount(sys, ali);
});
after(async () => {
  await sys.stop();
});

const me = (cookie: string) => sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie } });

test("the sweep makes the months ahead, drops the sessions' months past retention, keeps the events", async () => {
  const first = sys.clock.now();
  const oldCookie = await loginCookie(sys, ali);
  assert.equal((await me(oldCookie)).statusCode, 200);
  await sys.worker!.sweep();

  // Forty days on: the old session's month ended more than a day (RETENTION_SESSIONS_DAYS) ago.
  sys.clock.advance(40 * DAY_MS);
  await sys.worker!.sweep();
  const now = sys.clock.now();
  for (const table of PARTITIONED_TABLES) {
    const parts = await partitionsOf(sys.db, table);
    for (let o = 0; o <= MONTHS_AHEAD; o++)
      assert.ok(parts.includes(partitionName(table, monthStart(now, o))), `${table}: month +${o} made ahead`);
  }
  const sessionParts = await partitionsOf(sys.db, "sessions");
  assert.ok(!sessionParts.includes(partitionName("sessions", monthStart(first))), "the old month is dropped");
  assert.ok(sessionParts.includes("sessions_default"));

  const cookie = await loginCookie(sys, ali);
  assert.equal((await me(cookie)).statusCode, 200, "a sign-in after the drop works as before");
  assert.equal(
    (await me(oldCookie)).statusCode,
    401,
    "the old session had expired long before its month went",
  );
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from sessions`.execute(sys.db);
  assert.equal(rows[0]!.n, 1);

  const events = await sys.app.inject({
    method: "GET",
    url: "/api/account/security-events",
    headers: { cookie },
  });
  const signIns = (events.json() as { type: string }[]).filter((e) => e.type === "login.succeeded");
  assert.equal(signIns.length, 2, "both sign-ins are still in the holder's history (730 days)");
});

test("the failed sign-ins' hourly summaries are kept as long as the security events, then deleted", async () => {
  const now = sys.clock.now();
  const account = await sys.db.selectFrom("accounts").select("id").executeTakeFirstOrThrow();
  const client = { ip: "192.0.2.1", userAgent: null };
  await sys.db.deleteFrom("sign_in_failures").execute();
  await recordSignInFailure(sys.db, account.id, client, new Date(now.getTime() - 800 * DAY_MS));
  await recordSignInFailure(sys.db, account.id, client, new Date(now.getTime() - 10 * DAY_MS), "code");
  await maintainTable(sys.db, "security_events", now, 730);
  const left = await sys.db.selectFrom("sign_in_failures").select("step").execute();
  assert.deepEqual(
    left.map((r) => r.step),
    ["code"],
  );
});
