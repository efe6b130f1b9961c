// Factor management under /api/account/ (R-MFA): each change proved by the holder (current password or
// a fresh second factor), recorded, told by SMS; SMS off only beside a passkey or an app;
// SECOND_FACTOR=optional.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { FRESH_FACTOR_MS } from "../src/flows/account/service.ts";
import { totpCode } from "../src/platform/totp.ts";
import { createAccount, notices, outboxNow, resetTables, signInFully } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";

/** The contract's fields of a second_factor answer (the page may get more, e.g. the masked mobile). */
const contract = ({ next, method, methods }: Record<string, unknown>) => ({ next, method, methods });

import { startTestSystem, type TestSystem } from "./helpers/system.ts";

async function call(sys: TestSystem, method: string, url: string, cookie: string | null, payload?: object) {
  const res = await sys.app.inject({
    method: method as "POST",
    url,
    ...(cookie ? { headers: { cookie } } : {}),
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

async function eventTypes(sys: TestSystem) {
  const rows = await sys.db.selectFrom("security_events").select("type").orderBy("created_at").execute();
  return rows.map((r) => r.type).filter((type) => type !== "login.succeeded");
}

describe("factor management (SECOND_FACTOR=required)", () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem();
  });
  after(async () => {
    await sys.stop();
  });
  beforeEach(async () => {
    await resetTables(sys);
  });

  test("every route answers 401 without a session", async () => {
    const id = crypto.randomUUID();
    for (const [method, url] of [
      ["GET", "/api/account/factors"],
      ["POST", "/api/account/totp"],
      ["POST", `/api/account/totp/${id}/confirm`],
      ["DELETE", `/api/account/totp/${id}`],
      ["POST", "/api/account/backup-codes"],
      ["PUT", "/api/account/second-factor/sms"],
      ["PUT", "/api/account/second-factor"],
      ["GET", "/api/account/remembered-browsers"],
      ["DELETE", `/api/account/remembered-browsers/${id}`],
    ] as const) {
      const body = { code: "123456", enabled: true, on: true };
      const answer = await call(sys, method, url, null, method === "GET" ? undefined : body);
      assert.equal(answer.status, 401, `${method} ${url}`);
    }
  });

  test("the factors as listed; an app added and removed, each a security event and an SMS", async () => {
    await createAccount(sys, ali);
    const { cookie } = await signInFully(sys, ali);
    const listed = await call(sys, "GET", "/api/account/factors", cookie);
    assert.deepEqual(listed.body, {
      sms: { enabled: true },
      totp: [],
      passkeys: [],
      backupCodes: { remaining: 0, createdAt: null },
      secondFactor: { required: true, on: false },
    });
    // Ten minutes after the sign-in, the factor is no longer fresh: the password is asked.
    sys.clock.advance(FRESH_FACTOR_MS + 1000);
    const unproved = await call(sys, "POST", "/api/account/totp", cookie, {});
    assert.equal(unproved.status, 400);
    assert.equal(unproved.body.errors[0].field, "currentPassword");
    const started = await call(sys, "POST", "/api/account/totp", cookie, { currentPassword: ali.password });
    assert.equal(started.status, 201);
    assert.deepEqual(Object.keys(started.body).sort(), ["id", "qrSvg", "secret", "uri"]);
    const secret = started.body.secret.replaceAll(" ", "");
    assert.equal((await call(sys, "GET", "/api/account/factors", cookie)).body.totp.length, 0, "unconfirmed");
    const wrong = await call(sys, "POST", `/api/account/totp/${started.body.id}/confirm`, cookie, {
      code: totpCode(secret, new Date(sys.clock.now().getTime() - 10 * 60_000)),
    });
    assert.equal(wrong.status, 400);
    const confirmed = await call(sys, "POST", `/api/account/totp/${started.body.id}/confirm`, cookie, {
      code: totpCode(secret, sys.clock.now()),
    });
    assert.equal(confirmed.status, 204);
    const [app] = (await call(sys, "GET", "/api/account/factors", cookie)).body.totp;
    assert.equal(app.name, "برنامهٔ احراز هویت");
    assert.match((await notices(sys, ali.mobile))[0]!, /برنامهٔ احراز هویت به حساب کاربری شما افزوده شد/);

    const removed = await call(sys, "DELETE", `/api/account/totp/${app.id}`, cookie, {
      currentPassword: ali.password,
    });
    assert.equal(removed.status, 204);
    assert.equal(
      (
        await call(sys, "DELETE", `/api/account/totp/${app.id}`, cookie, {
          currentPassword: ali.password,
        })
      ).status,
      404,
    );
    assert.ok(
      (await notices(sys, ali.mobile, 2)).some((text) =>
        /برنامهٔ احراز هویت از حساب کاربری شما حذف شد/.test(text),
      ),
    );
    assert.deepEqual(await eventTypes(sys), ["mfa.totp.added", "mfa.totp.removed"]);
  });

  test("SMS is switched off only beside an app, and the app is then the sign-in's only factor", async () => {
    await createAccount(sys, ali);
    const { cookie } = await signInFully(sys, ali);
    const refused = await call(sys, "PUT", "/api/account/second-factor/sms", cookie, { enabled: false });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, "mfa.smsNeedsAnother");
    const started = await call(sys, "POST", "/api/account/totp", cookie, {});
    assert.equal(started.status, 201, "a second factor given minutes ago stands in for the password");
    const secret = started.body.secret.replaceAll(" ", "");
    await call(sys, "POST", `/api/account/totp/${started.body.id}/confirm`, cookie, {
      code: totpCode(secret, sys.clock.now()),
    });
    assert.equal(
      (await call(sys, "PUT", "/api/account/second-factor/sms", cookie, { enabled: false })).status,
      204,
    );
    assert.equal((await call(sys, "GET", "/api/account/factors", cookie)).body.sms.enabled, false);

    const before = await outboxNow(sys, ali.mobile);
    const login = await call(sys, "POST", "/api/login", null, {
      nationalId: ali.nationalId,
      password: ali.password,
    });
    assert.deepEqual(contract(login.body), { next: "second_factor", method: "totp", methods: ["totp"] });
    const afterTexts = (await outboxNow(sys, ali.mobile)).filter((t) => !before.includes(t));
    assert.ok(!afterTexts.some((t) => t.includes("کد ورود")), "no SMS code when SMS is off");

    // The last app cannot go while SMS is off.
    const [app] = (await call(sys, "GET", "/api/account/factors", cookie)).body.totp;
    const last = await call(sys, "DELETE", `/api/account/totp/${app.id}`, cookie, {
      currentPassword: ali.password,
    });
    assert.equal(last.status, 409);
    assert.equal((await call(sys, "GET", "/api/account/factors", cookie)).body.totp.length, 1);
    assert.deepEqual(await eventTypes(sys), ["mfa.totp.added", "mfa.sms.disabled"]);
  });

  test("two-step sign-in cannot be turned off when it is required", async () => {
    await createAccount(sys, ali);
    const { cookie } = await signInFully(sys, ali);
    const off = await call(sys, "PUT", "/api/account/second-factor", cookie, { on: false });
    assert.equal(off.status, 409);
  });
});

describe("SECOND_FACTOR=optional", () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ SECOND_FACTOR: "optional" });
  });
  after(async () => {
    await sys.stop();
  });

  test("only holders who turned it on are asked", async () => {
    await createAccount(sys, ali);
    const login = () =>
      call(sys, "POST", "/api/login", null, { nationalId: ali.nationalId, password: ali.password });
    const plain = await login();
    assert.deepEqual(plain.body, { next: "done" });
    const { cookie } = await signInFully(sys, ali);
    assert.deepEqual((await call(sys, "GET", "/api/account/factors", cookie)).body.secondFactor, {
      required: false,
      on: false,
    });
    const unproved = await call(sys, "PUT", "/api/account/second-factor", cookie, { on: true });
    assert.equal(unproved.status, 400, "a password sign-in alone is no fresh second factor");
    const on = await call(sys, "PUT", "/api/account/second-factor", cookie, {
      on: true,
      currentPassword: ali.password,
    });
    assert.equal(on.status, 204);
    assert.match((await notices(sys, ali.mobile))[0]!, /ورود دومرحله‌ای برای حساب کاربری شما روشن شد/);
    const asked = await login();
    assert.deepEqual(contract(asked.body), { next: "second_factor", method: "sms", methods: ["sms"] });
    const full = await signInFully(sys, ali);
    const offAgain = await call(sys, "PUT", "/api/account/second-factor", full.cookie, { on: false });
    assert.equal(offAgain.status, 204, "with a fresh second factor, no password needed");
    assert.deepEqual((await login()).body, { next: "done" });
  });
});
