// R-ABUSE as an attacker tries it: bursts of parallel guesses at every counter (login per ID and per
// address, staff password and TOTP, re-authentication), strangers trying to lock the holder out, and
// the failure cap. Each burst failed before attempts were reserved ahead of the comparison.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { LOGIN_ID_POLICY, loginKey } from "../src/flows/login/service.ts";
import { staffLoginKey } from "../src/flows/staff/service.ts";
import { createAccount, loginCookie, outbox, resetTables } from "./helpers/accounts.ts";
import { answer } from "./helpers/challenge.ts";
import { ali, PASSWORD } from "./helpers/people.ts";
import { createMember, passwordStep, resetStaffTables, signIn } from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetStaffTables(sys);
});

type Headers = Record<string, string>;
const inject = (url: string, payload: object, headers: Headers = {}, remoteAddress = "127.0.0.1") =>
  sys.app.inject({ method: "POST", url, payload, headers, remoteAddress });
const login = (nationalId: string, password: string, headers: Headers = {}, from = "127.0.0.1") =>
  inject("/api/login", { nationalId, password }, headers, from);
function tally(codes: (string | number)[]) {
  const counts: Record<string, number> = {};
  for (const c of codes) counts[c] = (counts[c] ?? 0) + 1;
  return counts;
}
const codeOf = (res: { statusCode: number; json(): { code?: string } }) =>
  res.statusCode === 429 ? (res.json().code ?? "429") : res.statusCode;

/** Valid national IDs (check digit computed), fictional. */
function nationalIds(n: number, lead = "8") {
  return Array.from({ length: n }, (_, k) => {
    const nine = `${lead}${String(k).padStart(8, "0")}`;
    const sum = [...nine].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0) % 11;
    return nine + (sum < 2 ? sum : 11 - sum);
  });
}

/** Sets `key`'s consecutive failures to `n` without `n` argon2 comparisons. */
async function seedFailures(key: string, n: number) {
  for (let i = 0; i < n; i++) await sys.throttles.hit(key, LOGIN_ID_POLICY.windowMs, sys.clock.now());
}

describe("bursts: no more than the allowance is judged without a challenge", () => {
  test("40 parallel wrong passwords for one national ID: 5 judged, 35 asked for a challenge", async () => {
    await createAccount(sys, ali);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(ali.nationalId, `Wrong${i}pass`, {}, `10.0.${i}.1`)),
    );
    // Before: all 40 were judged (401); the lockout counted after comparing.
    assert.deepEqual(tally(answers.map(codeOf)), { 401: 5, challenge_required: 35 });
  });

  test("60 parallel wrong passwords from one address for 60 IDs: at most 50 judged", async () => {
    const ids = nationalIds(60);
    const answers = await Promise.all(ids.map((id) => login(id, "Wrong1234x", {}, "10.9.9.9")));
    assert.deepEqual(tally(answers.map(codeOf)), { 401: 50, challenge_required: 10 });
  });

  test("an attempt the address's count refuses raises neither the address's nor the ID's count", async () => {
    // The sign-in counts both in one statement; refused by the address, it gives both back.
    const ids = nationalIds(51, "7");
    for (const id of ids.slice(0, 50))
      assert.equal((await login(id, "Wrong1234x", {}, "10.9.9.8")).statusCode, 401);
    const target = ids[50]!;
    for (let i = 0; i < 3; i++) {
      assert.equal(codeOf(await login(target, "Wrong1234x", {}, "10.9.9.8")), "challenge_required");
    }
    const counts = await sys.db
      .selectFrom("throttles")
      .select(["key", "count"])
      .where("key", "in", ["login:ip:10.9.9.8", loginKey(target)])
      .execute();
    assert.deepEqual(
      Object.fromEntries(counts.map((c) => [c.key, c.count])),
      sys.throttles.inDatabase ? { "login:ip:10.9.9.8": 50, [loginKey(target)]: 0 } : {},
    );
  });

  test("an address's successful sign-ins never count against it", async () => {
    await createAccount(sys, ali);
    for (let i = 0; i < 55; i++) assert.equal((await login(ali.nationalId, PASSWORD)).statusCode, 200);
  });

  test("40 parallel wrong staff passwords, then 40 parallel wrong TOTP codes: 5 judged each time", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const passwords = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        inject("/api/staff/login", { username: "admin1", password: `nope${i}` }, {}, `10.1.${i}.1`),
      ),
    );
    assert.deepEqual(tally(passwords.map(codeOf)), { 401: 5, challenge_required: 35 });
    await sys.throttles.clear(staffLoginKey("admin1"));
    const half = await passwordStep(sys, admin);
    const codes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        inject("/api/staff/login/totp", { code: String(100000 + i) }, { cookie: half }, `10.2.${i}.1`),
      ),
    );
    assert.deepEqual(tally(codes.map(codeOf)), { 400: 5, challenge_required: 35 });
  });

  test("40 parallel wrong current passwords in a citizen's session: 5 judged, then 429", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        inject(
          "/api/account/password",
          {
            currentPassword: `Wrong${i}pass`,
            password: "Another2027x",
            passwordConfirmation: "Another2027x",
          },
          { cookie },
        ),
      ),
    );
    assert.deepEqual(tally(answers.map((r) => r.statusCode)), { 400: 5, 429: 35 });
  });

  test("40 parallel wrong current passwords in a staff session: 5 judged, then 429", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const cookie = await signIn(sys, admin);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        inject(
          "/api/staff/password",
          { currentPassword: `nope${i}`, password: "Kar2027abcd", passwordConfirmation: "Kar2027abcd" },
          { cookie },
        ),
      ),
    );
    assert.deepEqual(tally(answers.map((r) => r.statusCode)), { 400: 5, 429: 35 });
  });
});

describe("strangers lock nobody out", () => {
  test("five wrong passwords from a stranger; the holder, elsewhere, solves a challenge and is in", async () => {
    await createAccount(sys, ali);
    for (let i = 0; i < 5; i++) await login(ali.nationalId, `Wrong${i}pass`, {}, "198.51.100.66");
    // Before: 429 from any address for a minute, doubling with each further failure.
    const asked = await login(ali.nationalId, PASSWORD, {}, "203.0.113.5");
    const headers = { "x-altcha": await answer(asked) };
    assert.equal((await login(ali.nationalId, PASSWORD, headers, "203.0.113.5")).statusCode, 200);
  });

  test("the challenge grows with the ID's failures, spacing the attempts out", async () => {
    const level = async (failures: number) => {
      await sys.throttles.clear(loginKey(ali.nationalId));
      await seedFailures(loginKey(ali.nationalId), failures);
      return (await login(ali.nationalId, "Wrong1234x")).json().challenge.parameters.data.level;
    };
    assert.deepEqual([await level(5), await level(9), await level(19), await level(99)], [1, 2, 3, 5]);
  });

  test("the 100th consecutive failure stops password sign-in for that ID, tells the holder by SMS; unknown IDs alike", async () => {
    await createAccount(sys, ali);
    await seedFailures(loginKey(ali.nationalId), LOGIN_ID_POLICY.cap - 1);
    const wrong = await login(ali.nationalId, "Wrong1234x");
    assert.equal(
      (await login(ali.nationalId, "Wrong1234x", { "x-altcha": await answer(wrong) })).statusCode,
      401,
    );
    const right = await login(ali.nationalId, PASSWORD);
    assert.equal(right.statusCode, 403);
    assert.equal(right.headers["content-type"], "application/problem+json; charset=utf-8");
    assert.equal(right.json().code, "login.recoveryRequired");
    assert.match(right.json().title, /بازیابی گذرواژه/);
    assert.match((await outbox(sys, ali.mobile))[0]!, /ورود با گذرواژه متوقف شد/);
    const [unknown] = nationalIds(1, "6");
    await seedFailures(loginKey(unknown!), LOGIN_ID_POLICY.cap);
    const other = await login(unknown!, PASSWORD);
    assert.deepEqual(other.json(), right.json(), "the same answer whether or not the ID has an account");
  });

  test("staff: the cap stops the username, writes an audit entry for admins, and an unlock starts again", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const op = await createMember(sys, "op1", "admin");
    const adminCookie = await signIn(sys, admin);
    await seedFailures(staffLoginKey("op1"), LOGIN_ID_POLICY.cap - 1);
    const body = { username: "op1", password: "nope" };
    const wrong = await inject("/api/staff/login", body);
    assert.equal(
      (await inject("/api/staff/login", body, { "x-altcha": await answer(wrong) })).statusCode,
      401,
    );
    const right = await inject("/api/staff/login", { username: "op1", password: op.password });
    assert.equal(right.json().code, "staff.login.adminRequired");
    const audit = await sys.app.inject({
      method: "GET",
      url: "/api/staff/audit?actor=",
      headers: { cookie: adminCookie },
    });
    assert.ok(audit.json().some((a: { action: string }) => a.action === "staff.login.capped"));
    const unlock = await sys.app.inject({
      method: "POST",
      url: `/api/staff/admin/staff/${op.id}/unlock`,
      headers: { cookie: adminCookie },
    });
    assert.equal(unlock.statusCode, 204);
    assert.equal(
      (await inject("/api/staff/login", { username: "op1", password: op.password })).statusCode,
      200,
    );
  });
});

describe("a password reset ends the cap", () => {
  test("after an SMS recovery the new password signs in without a challenge", async () => {
    await resetTables(sys);
    await createAccount(sys, ali);
    await seedFailures(loginKey(ali.nationalId), LOGIN_ID_POLICY.cap);
    assert.equal((await login(ali.nationalId, PASSWORD)).statusCode, 403);
    const started = await inject("/api/password-recovery", { nationalId: ali.nationalId, method: "sms" });
    const { recoveryId } = started.json();
    const text = (await outbox(sys, ali.mobile))[0]!;
    const code = text.match(/\b(\d{6})\b/)![1];
    const verified = await inject(`/api/password-recovery/${recoveryId}/verify`, { code });
    const { resetToken } = verified.json();
    const reset = await inject(`/api/password-recovery/${recoveryId}/reset`, {
      resetToken,
      password: "Fresh2027pass",
      passwordConfirmation: "Fresh2027pass",
    });
    assert.equal(reset.statusCode, 204);
    assert.equal((await login(ali.nationalId, "Fresh2027pass")).statusCode, 200);
  });
});
