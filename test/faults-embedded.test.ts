// The embedded default's own database loss: the one-connection pool's stream into PGlite
// (src/platform/embedded-stream.ts) is cut again and again under registrations, logins and tracking,
// each time with a statement on it. A request whose query was on it answers 503 problem+json with
// Retry-After, never a 500 or a dropped connection; the pool connects afresh by itself; nothing
// accepted is lost, and an interrupted transaction leaves nothing behind. Runs on PGlite (with
// DATABASE_URL there is no such stream).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sql } from "kysely";
import type pg from "pg";
import { person, registrationBody } from "../bench/lib.ts";
import { prepared } from "../src/platform/database.ts";
import type { PGliteStream } from "../src/platform/embedded-stream.ts";
import { createAccount } from "./helpers/accounts.ts";
import { type Answer, postAnswer } from "./helpers/answers.ts";
import { ali } from "./helpers/people.ts";
import { injectCall, proveMobile } from "./helpers/registration.ts";
import { eventually, onPostgres, startTestSystem, type TestSystem } from "./helpers/system.ts";

const skip = onPostgres && "the stream into PGlite is the embedded default's";
const PEOPLE = Array.from({ length: 24 }, (_, n) => person(5, n));

let sys: TestSystem;
let base: string;
let fixtureDir: string;
const proofs: string[] = [];

before(async () => {
  if (onPostgres) return;
  fixtureDir = mkdtempSync(join(tmpdir(), "hoviat-faults-embedded-"));
  const fixture = join(fixtureDir, "registry.json");
  writeFileSync(fixture, JSON.stringify({ people: PEOPLE }));
  sys = await startTestSystem({ REGISTRY_FIXTURE: fixture, RATE_LIMITS: "off" });
  assert.ok(sys.database.embedded);
  await createAccount(sys, ali);
  for (const p of PEOPLE) proofs.push(await proveMobile(injectCall(sys), p.nationalId, p.mobiles[0]!));
  await sys.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(sys.app.server.address() as AddressInfo).port}`;
});
after(async () => {
  await sys?.stop();
  if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
});

/** The pool's one stream into PGlite (taken from the pool a moment, then given back). */
async function poolStream(): Promise<PGliteStream> {
  const client = (await sys.database.pool.connect()) as pg.PoolClient & {
    connection: { stream: PGliteStream };
  };
  const stream = client.connection.stream;
  client.release();
  return stream;
}

/** Cuts `stream` as its next statement is written, so that the cut catches that statement. */
function cutAtNextWrite(stream: PGliteStream): Promise<void> {
  return new Promise((resolve) => {
    const write = stream.write.bind(stream);
    stream.write = ((...args: Parameters<typeof write>) => {
      stream.write = write;
      const written = write(...args);
      stream.destroy();
      resolve();
      return written;
    }) as typeof write;
  });
}

const post = (path: string, body: string | object) => postAnswer(base, path, body);

test("the first query after a cut is served on a fresh connection, every time", { skip }, async () => {
  for (let round = 0; round < 10; round++) {
    const stream = await poolStream();
    const closed = new Promise((resolve) => stream.once("close", resolve));
    stream.destroy();
    await closed;
    // A named prepared statement too (a sign-in's): PGlite's session, where it was prepared before
    // the cut, outlives the connection; the new one must not find it prepared already (42P05).
    const { rows } = await sys.db.executeQuery(
      prepared("faults-embedded.one", sql<{ one: number }>`select 1 as one`.compile(sys.db)),
    );
    assert.deepEqual(rows, [{ one: 1 }], `round ${round}`);
  }
});

test("an interrupted transaction leaves nothing behind, and the next connection is a clean session", {
  skip,
}, async () => {
  const stream = await poolStream();
  const id = crypto.randomUUID();
  const lost = sys.db.transaction().execute(async (trx) => {
    await trx
      .insertInto("throttles")
      .values({ key: `faults-embedded:${id}`, count: 1, window_ends_at: new Date(Date.now() + 60_000) })
      .execute();
    stream.destroy();
    await trx.selectFrom("throttles").select("key").execute();
  });
  await assert.rejects(lost, /Connection terminated|not queryable|Connection is closed|ECONNRESET/i);
  const row = await eventually(async () =>
    sys.db
      .selectFrom("throttles")
      .select("key")
      .where("key", "=", `faults-embedded:${id}`)
      .execute()
      .then(
        (rows) => ({ rows }),
        () => undefined,
      ),
  );
  assert.deepEqual(row.rows, [], "the insert of the cut transaction was rolled back");
  // Not left inside that transaction: a write now is committed and seen by the next statement.
  await sys.db
    .insertInto("throttles")
    .values({ key: `faults-embedded:${id}:after`, count: 1, window_ends_at: new Date(Date.now() + 60_000) })
    .execute();
  // Outside a transaction block, a second BEGIN is no warning and now() is this statement's own time.
  const { rows } = await sql<{ xact: string; stmt: string }>`
    select now()::text as xact, statement_timestamp()::text as stmt`.execute(sys.db);
  assert.equal(rows[0]?.xact, rows[0]?.stmt, "the new session is not inside the cut transaction");
  const after = await sys.db
    .selectFrom("throttles")
    .select("key")
    .where("key", "like", `faults-embedded:${id}%`)
    .execute();
  assert.deepEqual(
    after.map((r) => r.key),
    [`faults-embedded:${id}:after`],
  );
});

test("the stream into PGlite cut under load: only 503s with Retry-After, back by itself, nothing lost", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const registrations: { index: number; answer: Answer }[] = [];
  const others: Answer[] = [];
  let running = true;
  let cuts = 0;
  const killer = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 150));
      const stream = await poolStream().catch(() => undefined);
      // A statement in PGlite runs within one turn of the event loop, so a timer never falls inside
      // one: the cut is made as the load's next statement is written, whichever it is.
      if (stream && !stream.destroyed) {
        await Promise.race([cutAtNextWrite(stream), new Promise((r) => setTimeout(r, 1_000))]);
        if (stream.destroyed) cuts++;
      }
    }
  })();
  // Registrations in three lanes, and tracking and logins until the cuts have bitten (bounded).
  let registered = false;
  const bitten = () =>
    [...registrations.map((r) => r.answer), ...others].some((a) => a !== "dropped" && a.status === 503);
  const deadline = Date.now() + 60_000;
  await Promise.all([
    Promise.all(
      [0, 1, 2].map(async (lane) => {
        for (let i = lane; i < PEOPLE.length; i += 3) {
          registrations.push({
            index: i,
            answer: await post("/api/registrations", registrationBody(PEOPLE[i]!, proofs[i])),
          });
        }
      }),
    ).then(() => {
      registered = true;
    }),
    (async () => {
      for (let i = 0; !(registered && cuts >= 5 && bitten()) && Date.now() < deadline; i++) {
        if (i % 10 === 0) {
          others.push(await post("/api/login", { nationalId: ali.nationalId, password: ali.password }));
        }
        others.push(
          await post("/api/registrations/tracking", {
            nationalId: PEOPLE[0]!.nationalId,
            mobile: PEOPLE[0]!.mobiles[0],
          }),
        );
      }
    })(),
  ]);
  running = false;
  await killer;
  assert.ok(cuts >= 5, `only ${cuts} cuts`);
  const all = [...registrations.map((r) => r.answer), ...others];
  for (const a of all) {
    assert.notEqual(a, "dropped", "an HTTP connection was dropped");
    if (a === "dropped" || a.status < 500) continue;
    assert.equal(a.status, 503, `${a.status} ${a.body}`);
    assert.ok(a.retryAfter && Number(a.retryAfter) >= 1, "503 without Retry-After");
    assert.match(a.type ?? "", /application\/problem\+json/);
    assert.equal(JSON.parse(a.body).code, "unavailable");
  }
  const statuses = all.map((a) => (a === "dropped" ? 0 : a.status));
  assert.ok(
    statuses.every((s) => [200, 202, 503].includes(s)),
    `statuses ${statuses.join(" ")}`,
  );
  const unavailable = statuses.filter((s) => s === 503).length;
  assert.ok(unavailable > 0, "no request was on the stream when it was cut: the fault did not bite");
  t.diagnostic(`${cuts} cuts, ${unavailable} answers 503 of ${statuses.length}`);

  let readiness = "";
  await eventually(async () => {
    const res = await fetch(`${base}/readyz`);
    readiness = await res.text();
    return res.status === 200 ? true : undefined;
  }).catch((error) => assert.fail(`not ready again: ${readiness} (${error})`));
  const login = await post("/api/login", { nationalId: ali.nationalId, password: ali.password });
  assert.equal(login !== "dropped" && login.status, 200);

  // Every accepted registration is in the database and reaches one outcome with one SMS.
  const accepted = registrations.flatMap((r) =>
    r.answer !== "dropped" && r.answer.status === 202 ? [JSON.parse(r.answer.body).requestId as string] : [],
  );
  assert.ok(accepted.length > 0, "some registrations were accepted during the cuts");
  await eventually(async () => {
    sys.clock.advance(3 * 60_000);
    await sys.worker!.sweep();
    const open = await sys.db
      .selectFrom("registration_requests")
      .select("id")
      .where("id", "in", accepted)
      .where("status", "=", "pending")
      .execute();
    const queued = await sys.db.selectFrom("messages").select("id").where("status", "=", "queued").execute();
    return open.length === 0 && queued.length === 0 ? true : undefined;
  }, 60_000);
  const found = await sys.db
    .selectFrom("registration_requests")
    .select(["id", "mobile"])
    .where("id", "in", accepted)
    .execute();
  assert.equal(found.length, accepted.length, "an accepted registration was lost");
  const outcomes = await sys.db
    .selectFrom("outbox")
    .innerJoin("messages", "messages.id", "outbox.message_id")
    .select(["outbox.message_id", "outbox.recipient"])
    .where("messages.template", "!=", "registration.mobileCode")
    .where(
      "outbox.recipient",
      "in",
      found.map((f) => f.mobile),
    )
    .execute();
  const perMobile = new Map<string, number>();
  for (const o of outcomes) perMobile.set(o.recipient, (perMobile.get(o.recipient) ?? 0) + 1);
  assert.deepEqual(
    found.map((f) => perMobile.get(f.mobile) ?? 0),
    found.map(() => 1),
    "one outcome SMS per accepted registration",
  );
});
