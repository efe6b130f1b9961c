import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { createAccount, latestCode, loginCookie, notices, outbox, resetTables } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

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

async function call(
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  cookie: string,
  payload?: object,
) {
  const res = await sys.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
const account = () => sys.db.selectFrom("accounts").selectAll().executeTakeFirstOrThrow();
/** The account's events other than sign-ins, which every test's login adds. */
const events = async () =>
  (
    await sys.db.selectFrom("security_events").select("type").where("type", "!=", "login.succeeded").execute()
  ).map((e) => e.type);

describe("sessions", () => {
  test("lists own sessions with the current one marked, and revokes one by its public id", async () => {
    await createAccount(sys, ali);
    const phone = await loginCookie(sys, ali);
    const laptop = await loginCookie(sys, ali);
    const list = await call("GET", "/api/sessions", phone);
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 2);
    assert.equal(list.body.filter((s: { current: boolean }) => s.current).length, 1);
    const other = list.body.find((s: { current: boolean }) => !s.current);
    assert.match(other.id, /^[0-9a-f-]{36}$/);
    const hashes = (await sys.db.selectFrom("sessions").select("id_hash").execute()).map((r) => r.id_hash);
    assert.ok(!hashes.includes(other.id), "the public id is not the hash");
    assert.equal((await call("DELETE", `/api/sessions/${other.id}`, phone)).status, 204);
    assert.equal((await call("GET", "/api/me", laptop)).status, 401);
    assert.equal((await call("GET", "/api/me", phone)).status, 200);
    assert.equal((await call("DELETE", `/api/sessions/${other.id}`, phone)).status, 404);
    assert.equal((await call("GET", "/api/sessions", "hoviat_session=nope")).status, 401);
  });

  test("a cross-site POST with a valid session cookie is refused", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    for (const headers of [{ "sec-fetch-site": "cross-site" }, { origin: "https://evil.example" }]) {
      const res = await sys.app.inject({
        method: "POST",
        url: "/api/account/password",
        headers: { cookie, ...headers },
        payload: {
          currentPassword: ali.password,
          password: "Hacked2027x",
          passwordConfirmation: "Hacked2027x",
        },
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, "crossSiteRequest");
    }
    assert.equal((await call("GET", "/api/me", cookie)).status, 200);
    assert.deepEqual(await events(), []);
  });
});

describe("change password", () => {
  test("needs the current password; other sessions end; an SMS tells the holder", async () => {
    await createAccount(sys, ali);
    const here = await loginCookie(sys, ali);
    const elsewhere = await loginCookie(sys, ali);
    const wrong = await call("POST", "/api/account/password", here, {
      currentPassword: "Wrong2026x",
      password: "Tazeh2027Ramz",
      passwordConfirmation: "Tazeh2027Ramz",
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.errors[0].field, "currentPassword");
    const weak = await call("POST", "/api/account/password", here, {
      currentPassword: ali.password,
      password: "weak",
      passwordConfirmation: "weak",
    });
    assert.ok(weak.body.errors.some((e: { field: string }) => e.field === "password"));
    const ok = await call("POST", "/api/account/password", here, {
      currentPassword: ali.password,
      password: "Tazeh2027Ramz",
      passwordConfirmation: "Tazeh2027Ramz",
    });
    assert.equal(ok.status, 204);
    assert.equal((await call("GET", "/api/me", here)).status, 200);
    assert.equal((await call("GET", "/api/me", elsewhere)).status, 401);
    await loginCookie(sys, ali, "Tazeh2027Ramz");
    assert.match((await notices(sys, ali.mobile))[0]!, /گذرواژه حساب کاربری شما تغییر کرد/);
    // The other session that ended is one event with its count.
    assert.deepEqual((await events()).sort(), ["password.changed", "sessions.endedByPasswordChange"]);
  });
});

describe("change mobile and email", () => {
  test("a mobile owned by the person: code to the new number, applied, notice to the old one", async () => {
    await createAccount(sys, { ...ali, mobile: "09120000009" });
    const cookie = await loginCookie(sys, ali);
    const noAuth = await call("POST", "/api/account/mobile", cookie, {
      currentPassword: "x",
      mobile: ali.mobile,
    });
    assert.equal(noAuth.status, 400);
    const asked = await call("POST", "/api/account/mobile", cookie, {
      currentPassword: ali.password,
      mobile: "+98 912 123 4567",
    });
    assert.equal(asked.status, 202);
    const code = await latestCode(sys, ali.mobile);
    assert.equal((await account()).mobile, "09120000009", "nothing changes before the code");
    const wrong = await call("POST", "/api/account/mobile/verify", cookie, {
      code: code === "000000" ? "111111" : "000000",
    });
    assert.equal(wrong.body.code, "account.wrongCode");
    const done = await call("POST", "/api/account/mobile/verify", cookie, { code });
    assert.deepEqual(done.body, { status: "applied" });
    assert.equal((await account()).mobile, ali.mobile);
    assert.match(
      (await notices(sys, "09120000009"))[0]!,
      /شماره همراه حساب کاربری شما به 0912\*\*\*4567 تغییر کرد/,
    );
    assert.deepEqual(await events(), ["mobile.changed"]);
    assert.equal((await call("POST", "/api/account/mobile/verify", cookie, { code })).status, 400);
  });

  test("a mobile not owned by the person waits for a branch: stored as pending, not applied", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    await call("POST", "/api/account/mobile", cookie, {
      currentPassword: ali.password,
      mobile: "09125550000",
    });
    const done = await call("POST", "/api/account/mobile/verify", cookie, {
      code: await latestCode(sys, "09125550000"),
    });
    assert.deepEqual(done.body, { status: "pending_branch" });
    assert.equal((await account()).mobile, ali.mobile);
    const change = await sys.db.selectFrom("account_changes").selectAll().executeTakeFirstOrThrow();
    assert.equal(change.status, "pending_branch");
    assert.equal(change.new_value, "09125550000");
    assert.match((await notices(sys, ali.mobile))[0]!, /شعبه/);
  });

  test("a code for a contact change expires", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    await call("POST", "/api/account/email", cookie, {
      currentPassword: ali.password,
      email: "new@example.com",
    });
    const code = await latestCode(sys, "new@example.com");
    sys.clock.advance(5 * 60_000 + 1);
    const cookie2 = await loginCookie(sys, ali);
    const res = await call("POST", "/api/account/email/verify", cookie2, { code });
    assert.equal(res.body.code, "account.noPendingChange");
  });

  test("email: code to the new address, applied, notice to the old address", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const asked = await call("POST", "/api/account/email", cookie, {
      currentPassword: ali.password,
      email: "ali.new@Example.COM",
    });
    assert.equal(asked.status, 202);
    const code = await latestCode(sys, "ali.new@example.com");
    const done = await call("POST", "/api/account/email/verify", cookie, { code });
    assert.deepEqual(done.body, { status: "applied" });
    assert.equal((await account()).email, "ali.new@example.com");
    assert.match((await outbox(sys, ali.email))[0]!, /ali\.new@example\.com/);
  });
});

describe("re-authentication and outages", () => {
  test("wrong current passwords lock re-authentication: after five, even the right one is refused", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const change = (currentPassword: string) =>
      call("POST", "/api/account/password", cookie, {
        currentPassword,
        password: "Another2027x",
        passwordConfirmation: "Another2027x",
      });
    for (let i = 0; i < 5; i++) assert.equal((await change(`Wrong${i}234x`)).status, 400);
    // A stolen session must not be a way to guess the password: the right one is refused too.
    assert.equal((await change(ali.password)).status, 429);
    sys.clock.advance(16 * 60_000);
    assert.equal((await change(ali.password)).status, 204);
  });

  test("a mobile change while the ownership registry is down: 503, nothing applied, the code still good", async () => {
    await createAccount(sys, { ...ali, mobile: "09120000009" });
    const cookie = await loginCookie(sys, ali);
    const asked = await call("POST", "/api/account/mobile", cookie, {
      currentPassword: ali.password,
      mobile: ali.mobile,
    });
    assert.equal(asked.status, 202);
    const code = await latestCode(sys, ali.mobile);
    sys.registry.outage = true;
    try {
      const down = await call("POST", "/api/account/mobile/verify", cookie, { code });
      assert.equal(down.status, 503);
      assert.equal((await account()).mobile, "09120000009");
    } finally {
      sys.registry.outage = false;
    }
    const done = await call("POST", "/api/account/mobile/verify", cookie, { code });
    assert.equal(done.status, 200);
    assert.equal(done.body.status, "applied");
  });
});

describe("change security questions", () => {
  test("needs the current password and three valid answers; recovery then uses the new ones", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const answers = [
      { questionId: "q4", answer: "اصفهان" },
      { questionId: "q6", answer: "سبز" },
      { questionId: "q7", answer: "رضا" },
    ];
    const few = await call("PUT", "/api/account/security-questions", cookie, {
      currentPassword: ali.password,
      securityAnswers: answers.slice(0, 2),
    });
    assert.equal(few.status, 400);
    const ok = await call("PUT", "/api/account/security-questions", cookie, {
      currentPassword: ali.password,
      securityAnswers: answers,
    });
    assert.equal(ok.status, 204);
    const started = await sys.app.inject({
      method: "POST",
      url: "/api/password-recovery",
      payload: { nationalId: ali.nationalId, method: "security_questions" },
    });
    assert.deepEqual(
      started.json().questions.map((q: { id: string }) => q.id),
      ["q4", "q6", "q7"],
    );
    assert.match((await notices(sys, ali.mobile))[0]!, /پرسش‌های امنیتی/);
  });
});
