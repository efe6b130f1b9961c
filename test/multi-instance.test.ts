// Two web processes and two worker processes on one PostgreSQL database (ROLE=web / ROLE=worker):
// every registration is verified once with one SMS whichever instance took it, a session made on one
// web instance is valid on the other, and the login lockout (kept in the database) holds on both.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { abdollah, ali, mohammadreza, PASSWORD, zahra } from "./helpers/people.ts";
import { httpCall, submitProved } from "./helpers/registration.ts";
import { eventually, onPostgres } from "./helpers/system.ts";
import { type FreshDatabase, freshDatabase, type HoviatProcess, startHoviat } from "./ops-processes.ts";

const fatemeh = {
  ...zahra,
  nationalId: "0045678911",
  mobile: "09191112233",
  firstName: "فاطمه",
  lastName: "موسوی",
  birthCertificateNumber: "862",
  birthDate: "1380/01/15",
};
const maryam = {
  ...zahra,
  nationalId: "0067891233",
  mobile: "09171234567",
  firstName: "مریم",
  lastName: "یزدی",
  birthCertificateNumber: "4410",
  birthDate: "1375/07/08",
};

let database: FreshDatabase;
let web: HoviatProcess[] = [];
let workers: HoviatProcess[] = [];
let client: pg.Client;
const skip = !onPostgres && "needs DATABASE_URL: several processes share one PostgreSQL";

before(async () => {
  if (!onPostgres) return;
  database = await freshDatabase({ empty: true });
  // All four start at once, as an orchestrator would start them: migrations and queues must cope.
  const started = await Promise.all([
    startHoviat({ ...database.env, ROLE: "web", LOG_LEVEL: "warn" }),
    startHoviat({ ...database.env, ROLE: "web", LOG_LEVEL: "warn" }),
    startHoviat({ ...database.env, ROLE: "worker", LOG_LEVEL: "warn" }),
    startHoviat({ ...database.env, ROLE: "worker", LOG_LEVEL: "warn" }),
  ]);
  web = started.slice(0, 2);
  workers = started.slice(2);
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
after(async () => {
  await client?.end();
  await Promise.all([...web, ...workers].map((p) => p.stop("SIGTERM")));
  await database?.drop();
});

async function call(instance: HoviatProcess, method: string, path: string, body?: object, cookie?: string) {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

test("registrations sent to both web instances are each verified once, with one SMS", { skip }, async () => {
  const people = [ali, zahra, mohammadreza, abdollah, fatemeh, maryam];
  for (const [i, person] of people.entries()) {
    const res = await submitProved(httpCall(web[i % 2]!.url), person);
    assert.equal(res.status, 202);
  }
  const requests = await eventually(async () => {
    const { rows } = await client.query<{ national_id: string; status: string }>(
      "select national_id, status from registration_requests order by national_id",
    );
    return rows.length === people.length && rows.every((r) => r.status !== "pending") ? rows : undefined;
  }, 60_000);
  assert.equal(
    requests.find((r) => r.national_id === mohammadreza.nationalId)?.status,
    "awaiting_branch_activation",
  );
  assert.equal(requests.filter((r) => r.status === "active").length, 5);
  const sms = await eventually(async () => {
    const { rows } = await client.query<{ recipient: string; n: number }>(
      `select outbox.recipient, count(*)::int as n from outbox join messages on messages.id = outbox.message_id
       where messages.template <> 'registration.mobileCode' group by outbox.recipient order by outbox.recipient`,
    );
    return rows.length === people.length ? rows : undefined;
  }, 60_000);
  assert.deepEqual(
    sms.map((r) => r.n),
    people.map(() => 1),
  );
  const { rows: accounts } = await client.query("select national_id from accounts");
  assert.equal(accounts.length, people.length);

  // The workers report healthy and ready on their small ops port, and serve nothing else.
  for (const worker of workers) {
    assert.equal((await call(worker, "GET", "/readyz")).status, 200);
    assert.equal((await call(worker, "GET", "/api/security-questions")).status, 404);
  }
});

test("a session created on one web instance is valid on the other; logout on it ends it on both", {
  skip,
}, async () => {
  const [a, b] = web as [HoviatProcess, HoviatProcess];
  const login = await call(a, "POST", "/api/login", { nationalId: ali.nationalId, password: PASSWORD });
  assert.equal(login.status, 200);
  const half = login.headers.get("set-cookie")!.split(";")[0]!;
  // The password on A, the SMS code (sent by a worker) on B.
  let code: string | undefined;
  for (let i = 0; i < 300 && !code; i++) {
    const rows = JSON.parse((await call(b, "GET", `/api/dev/outbox?to=${ali.mobile}`)).body) as {
      text: string;
    }[];
    code = rows.find((r) => r.text.includes("کد ورود"))?.text.match(/\b(\d{6})\b/)?.[1];
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  const second = await call(b, "POST", "/api/login/second-factor", { method: "sms", code }, half);
  assert.equal(second.status, 200);
  const cookie = second.headers.get("set-cookie")!.split(";")[0]!;
  assert.equal((await call(a, "GET", "/api/me", undefined, cookie)).status, 200);
  assert.equal((await call(b, "GET", "/api/me", undefined, cookie)).status, 200);
  assert.equal((await call(b, "POST", "/api/logout", undefined, cookie)).status, 204);
  assert.equal((await call(a, "GET", "/api/me", undefined, cookie)).status, 401);
});

test("the login failures count across both web instances: the sixth needs a challenge on either", {
  skip,
}, async () => {
  const [a, b] = web as [HoviatProcess, HoviatProcess];
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const instance = i % 2 === 0 ? a : b;
    statuses.push(
      (
        await call(instance, "POST", "/api/login", {
          nationalId: zahra.nationalId,
          password: "Wrong2026pass",
        })
      ).status,
    );
  }
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  for (const instance of [a, b]) {
    const right = await call(instance, "POST", "/api/login", {
      nationalId: zahra.nationalId,
      password: PASSWORD,
    });
    assert.equal(right.status, 429, "a challenge on every instance, even with the right password");
    assert.equal(JSON.parse(right.body).code, "challenge_required");
  }
});
