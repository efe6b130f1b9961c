// Take the database away (STYLE.md): every connection of a running server is terminated, again and
// again, under a mixed load of registrations, tracking, logins and recoveries, with the worker busy
// verifying. The process must not die; a request whose connection dies answers 503 problem+json with
// Retry-After; the server comes back by itself; every accepted registration ends once with one SMS.
// Runs on PostgreSQL (pg_terminate_backend is a PostgreSQL administrator command).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { person, registrationBody } from "../bench/lib.ts";
import { createAccount } from "./helpers/accounts.ts";
import { type Answer, postAnswer } from "./helpers/answers.ts";
import { ali, zahra } from "./helpers/people.ts";
import { injectCall, proveMobile } from "./helpers/registration.ts";
import { eventually, onPostgres, startTestSystem, type TestSystem } from "./helpers/system.ts";

const skip = !onPostgres && "needs DATABASE_URL: pg_terminate_backend is PostgreSQL's";
const PEOPLE = Array.from({ length: 36 }, (_, n) => person(7, n));

let sys: TestSystem;
let base: string;
let admin: pg.Client;
let dbName: string;
let fixtureDir: string;
const proofs: string[] = [];

before(async () => {
  if (!onPostgres) return;
  fixtureDir = mkdtempSync(join(tmpdir(), "hoviat-faults-"));
  const fixture = join(fixtureDir, "registry.json");
  writeFileSync(fixture, JSON.stringify({ people: PEOPLE }));
  sys = await startTestSystem({ REGISTRY_FIXTURE: fixture, RATE_LIMITS: "off" });
  await createAccount(sys, ali);
  await createAccount(sys, zahra);
  // Step 1 done beforehand: each person holds the proof of their mobile before the faults begin.
  for (const p of PEOPLE) proofs.push(await proveMobile(injectCall(sys), p.nationalId, p.mobiles[0]!));
  await sys.app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(sys.app.server.address() as AddressInfo).port}`;
  dbName = new URL(
    (sys.database.pool.options as { connectionString: string }).connectionString,
  ).pathname.slice(1);
  admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
});
after(async () => {
  await admin?.query(`alter database ${dbName} allow_connections true`).catch(() => {});
  await admin?.end();
  await sys?.stop();
  if (fixtureDir) rmSync(fixtureDir, { recursive: true, force: true });
});

/** Terminates every connection to this test's database (and no other): what a failover does. */
async function terminateAll(): Promise<number> {
  const { rowCount } = await admin.query(
    "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
    [dbName],
  );
  return rowCount ?? 0;
}

const post = (path: string, body: string | object) => postAnswer(base, path, body);

function checkUnavailable(answers: Answer[], label: string) {
  for (const a of answers) {
    assert.notEqual(a, "dropped", `${label}: a connection was dropped`);
    if (a === "dropped" || a.status < 500) continue;
    assert.equal(a.status, 503, `${label}: ${a.status} ${a.body}`);
    assert.ok(a.retryAfter && Number(a.retryAfter) >= 1, `${label}: 503 without Retry-After`);
    assert.match(a.type ?? "", /application\/problem\+json/);
    assert.equal(JSON.parse(a.body).code, "unavailable");
  }
}

test("connections terminated under load: only 503s, no crash, back by itself, one outcome and one SMS each", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const registrations: { index: number; answer: Answer }[] = [];
  const others: Answer[] = [];
  let running = true;
  let kills = 0;
  const killer = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 250));
      if (await terminateAll()) kills++;
    }
  })();
  const lanes = 4;
  await Promise.all([
    ...Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < PEOPLE.length; i += lanes) {
        registrations.push({
          index: i,
          answer: await post("/api/registrations", registrationBody(PEOPLE[i]!, proofs[i])),
        });
      }
    }),
    (async () => {
      for (let i = 0; i < 24; i++) {
        others.push(await post("/api/login", { nationalId: ali.nationalId, password: ali.password }));
        others.push(
          await post("/api/registrations/tracking", {
            nationalId: PEOPLE[0]!.nationalId,
            mobile: PEOPLE[0]!.mobiles[0],
          }),
        );
        others.push(await post("/api/password-recovery", { nationalId: zahra.nationalId, method: "sms" }));
      }
    })(),
  ]);
  running = false;
  await killer;
  assert.ok(kills >= 3, `only ${kills} rounds of terminations`);
  checkUnavailable(
    registrations.map((r) => r.answer),
    "registration",
  );
  checkUnavailable(others, "login/tracking/recovery");
  const statuses = (answers: Answer[]) => answers.map((a) => (a === "dropped" ? 0 : a.status));
  const regStatuses = statuses(registrations.map((r) => r.answer));
  assert.ok(
    regStatuses.every((s) => s === 202 || s === 503),
    `registration statuses ${regStatuses.join(" ")}`,
  );
  assert.ok(
    statuses(others).every((s) => [200, 503].includes(s)),
    `other statuses ${statuses(others).join(" ")}`,
  );
  assert.ok(regStatuses.includes(202), "some registrations were accepted during the faults");
  const unavailable = [...regStatuses, ...statuses(others)].filter((s) => s === 503).length;
  t.diagnostic(
    `${kills} rounds of terminations, ${unavailable} answers 503 of ${regStatuses.length + others.length}`,
  );

  // Back by itself: ready again, and serving.
  await eventually(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
  const login = await post("/api/login", { nationalId: ali.nationalId, password: ali.password });
  assert.equal(login !== "dropped" && login.status, 200);

  // A person whose answer was 503 tries again (the submission may or may not have been recorded: if
  // it was, its proof is spent, and the person's request is there).
  for (const r of registrations) {
    if (r.answer !== "dropped" && r.answer.status === 503) {
      const p = PEOPLE[r.index]!;
      const again = await post("/api/registrations", registrationBody(p, proofs[r.index]));
      const status = again !== "dropped" && again.status;
      if (status === 400) {
        const recorded = await sys.db
          .selectFrom("registration_requests")
          .select("id")
          .where("national_id", "=", p.nationalId)
          .executeTakeFirst();
        assert.ok(recorded, "a spent proof means the first submission was recorded");
      } else assert.equal(status, 202);
    }
  }

  // Every request reaches one outcome; the sweeper (driven by hand here) hands out anything dropped.
  await eventually(async () => {
    sys.clock.advance(3 * 60_000);
    await sys.worker!.sweep();
    const pending = await sys.db
      .selectFrom("registration_requests")
      .select("id")
      .where("status", "=", "pending")
      .execute();
    const queued = await sys.db.selectFrom("messages").select("id").where("status", "=", "queued").execute();
    return pending.length === 0 && queued.length === 0 ? true : undefined;
  }, 60_000);
  await new Promise((r) => setTimeout(r, 1_000));

  const outbox = await sys.db.selectFrom("outbox").select(["message_id", "recipient"]).execute();
  assert.equal(new Set(outbox.map((o) => o.message_id)).size, outbox.length, "a message was delivered twice");
  const accepted = registrations.flatMap((r) =>
    r.answer !== "dropped" && r.answer.status === 202 ? [JSON.parse(r.answer.body).requestId as string] : [],
  );
  const requests = await sys.db
    .selectFrom("registration_requests")
    .select(["id", "status", "national_id"])
    .execute();
  const messages = await sys.db.selectFrom("messages").select(["id", "dedupe_key", "status"]).execute();
  for (const id of accepted) {
    const request = requests.find((r) => r.id === id);
    assert.ok(request, `accepted request ${id} was lost`);
    assert.ok(["active", "duplicate"].includes(request.status), `${id}: ${request.status}`);
    const sms = messages.filter((m) => m.dedupe_key === `registration:${id}:outcome`);
    assert.equal(sms.length, 1, `${id}: ${sms.length} outcome messages`);
    assert.equal(outbox.filter((o) => o.message_id === sms[0]!.id).length, 1, `${id}: not delivered once`);
  }
  for (const p of PEOPLE) {
    const active = requests.filter((r) => r.national_id === p.nationalId && r.status === "active");
    assert.equal(active.length, 1, `${p.nationalId}: ${active.length} activated requests`);
  }
});

test("/readyz answers 503 while the database refuses connections, 200 once it is back", {
  skip,
}, async () => {
  await admin.query(`alter database ${dbName} allow_connections false`);
  try {
    await terminateAll();
    const res = await fetch(`${base}/readyz`);
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { checks: { database: string } }).checks.database, "unreachable");
    const login = await post("/api/login", { nationalId: ali.nationalId, password: ali.password });
    checkUnavailable([login], "login while the database is gone");
    assert.equal(login !== "dropped" && login.status, 503);
  } finally {
    await admin.query(`alter database ${dbName} allow_connections true`);
  }
  await eventually(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
});
