import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { LOGIN_ID_POLICY } from "../src/flows/login/service.ts";
import { loginCookie, outboxNow, signInCode } from "./helpers/accounts.ts";
import { answer } from "./helpers/challenge.ts";
import { ali, PASSWORD } from "./helpers/people.ts";
import { registerInProcess } from "./helpers/registration.ts";
import { clearThrottles, eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
  const res = await registerInProcess(sys, ali);
  assert.equal(res.statusCode, 202);
  await eventually(async () =>
    (await sys.db.selectFrom("accounts").select("status").executeTakeFirst())?.status === "active"
      ? true
      : undefined,
  );
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await clearThrottles(sys);
  await sys.db.deleteFrom("sessions").execute();
});

const login = (nationalId: string, password: string, headers: Record<string, string> = {}) =>
  sys.app.inject({ method: "POST", url: "/api/login", payload: { nationalId, password }, headers });

function cookieOf(res: Awaited<ReturnType<typeof login>>) {
  const header = String(res.headers["set-cookie"] ?? "");
  return { header, value: header.split(";")[0]! };
}

describe("login", () => {
  test("the right password opens a server-side session in an HttpOnly SameSite cookie", async () => {
    const before = await outboxNow(sys, ali.mobile);
    const res = await login("۰۰۱۲۳۴۵۶۷۹", PASSWORD);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().next, "second_factor", "the password alone signs no one in (R-MFA)");
    const half = cookieOf(res);
    assert.match(half.header, /^hoviat_session=[\w-]{43};/);
    assert.match(half.header, /HttpOnly/);
    assert.match(half.header, /SameSite=Lax/);
    const early = await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: half.value } });
    assert.equal(early.statusCode, 401);
    assert.equal(early.json().code, "login.secondFactorRequired");
    const done = await sys.app.inject({
      method: "POST",
      url: "/api/login/second-factor",
      headers: { cookie: half.value },
      payload: { method: "sms", code: await signInCode(sys, ali.mobile, before) },
    });
    assert.equal(done.statusCode, 200);
    const cookie = cookieOf(done);
    assert.match(cookie.header, /^hoviat_session=[\w-]{43};/);
    assert.match(cookie.header, /HttpOnly/);
    assert.match(cookie.header, /SameSite=Lax/);
    const me = await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: cookie.value } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().nationalId, "0012****79");
    assert.equal(me.json().mobile, "0912***4567");
    const events = await sys.app.inject({
      method: "GET",
      url: "/api/account/security-events",
      headers: { cookie: cookie.value },
    });
    assert.equal(events.json()[0].type, "login.succeeded", "the holder sees the sign-in on the account page");
    const stored = await sys.db.selectFrom("sessions").select("id_hash").executeTakeFirstOrThrow();
    assert.notEqual(stored.id_hash, cookie.value.split("=")[1], "only a hash of the token is stored");
  });

  test("a wrong password and an unknown national ID get the same answer", async () => {
    const wrong = await login(ali.nationalId, "Wrong1234x");
    const unknown = await login("0089123451", PASSWORD);
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
    assert.match(wrong.json().title, /کد ملی یا گذرواژه/);
  });

  test("an invalid national ID is a 400 naming the field", async () => {
    const res = await login("12345", PASSWORD);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errors[0].field, "nationalId");
  });

  test("past the allowance a national ID needs a solved challenge, and the right password then gets in", async () => {
    for (let i = 0; i < LOGIN_ID_POLICY.allowance; i++) {
      assert.equal((await login(ali.nationalId, `Wrong${i}234x`)).statusCode, 401);
    }
    // Before: the right password got 429 for a minute, from any address. Now: a challenge, then in.
    const asked = await login(ali.nationalId, PASSWORD);
    assert.equal(asked.statusCode, 429);
    assert.equal(asked.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(asked.json().code, "challenge_required");
    const solved = await login(ali.nationalId, PASSWORD, { "x-altcha": await answer(asked) });
    assert.equal(solved.statusCode, 200);
    // The success forgot the failures: the next sign-in needs no challenge.
    assert.equal((await login(ali.nationalId, PASSWORD)).statusCode, 200);
    // Unknown IDs ask the same: the challenge says nothing about whether an account exists.
    for (let i = 0; i < LOGIN_ID_POLICY.allowance; i++) await login("0089123451", "Wrong1234x");
    assert.equal((await login("0089123451", "Wrong1234x")).json().code, "challenge_required");
  });

  test("logout revokes the session", async () => {
    const value = await loginCookie(sys, ali);
    const out = await sys.app.inject({ method: "POST", url: "/api/logout", headers: { cookie: value } });
    assert.equal(out.statusCode, 204);
    const me = await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: value } });
    assert.equal(me.statusCode, 401);
  });

  test("a session ends after the idle timeout and after the absolute timeout", async () => {
    const value = await loginCookie(sys, ali);
    const me = () => sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: value } });
    sys.clock.advance(29 * 60_000);
    assert.equal((await me()).statusCode, 200);
    sys.clock.advance(29 * 60_000);
    assert.equal((await me()).statusCode, 200, "activity keeps it alive");
    sys.clock.advance(31 * 60_000);
    assert.equal((await me()).statusCode, 401, "idle for more than 30 minutes");

    const second = await loginCookie(sys, ali);
    for (let hour = 0; hour < 12; hour++) {
      sys.clock.advance(20 * 60_000);
      await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: second } });
      sys.clock.advance(20 * 60_000);
      await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: second } });
      sys.clock.advance(20 * 60_000);
      await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: second } });
    }
    const late = await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie: second } });
    assert.equal(late.statusCode, 401, "12 hours is the most a session lives");
  });

  test("a write from another site is refused, cookie or not", async () => {
    const res = await login(ali.nationalId, PASSWORD, {
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, "crossSiteRequest");
  });
});
