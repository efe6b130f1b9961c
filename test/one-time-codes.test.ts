// Attempt limits of one-time codes under bursts (issue 10, part 3): 40 wrong codes fired at once,
// then the right one, must not yield a reset token or apply a contact change.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { MAX_ATTEMPTS } from "../src/platform/one-time-codes.ts";
import { createAccount, latestCode, loginCookie, resetTables } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const BURST = 40;
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

async function post(url: string, payload: object, cookie?: string) {
  const res = await sys.app.inject({
    method: "POST",
    url,
    payload,
    ...(cookie ? { headers: { cookie } } : {}),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}
/** A 6-digit code other than `code`, different for each i. */
const wrong = (code: string, i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0");

describe("one-time codes hold their limit under a burst", () => {
  test("recovery: 40 parallel wrong codes, then the right one gets no reset token", async () => {
    await createAccount(sys, ali);
    const started = await post("/api/password-recovery", { nationalId: ali.nationalId, method: "sms" });
    const code = await latestCode(sys, ali.mobile);
    const id = started.body.recoveryId;
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        post(`/api/password-recovery/${id}/verify`, { code: wrong(code, i) }),
      ),
    );
    assert.ok(answers.every((a) => a.status === 400));
    assert.equal(answers.filter((a) => a.body.code === "recovery.wrongCode").length, MAX_ATTEMPTS - 1);
    const right = await post(`/api/password-recovery/${id}/verify`, { code });
    assert.equal(right.status, 400);
    assert.equal(right.body.code, "recovery.locked");
    assert.equal(right.body.resetToken, undefined);
    const row = await sys.db.selectFrom("password_recoveries").selectAll().executeTakeFirstOrThrow();
    assert.equal(row.status, "dead");
    assert.equal(row.attempts, MAX_ATTEMPTS);
  });

  test("recovery: a burst that mixes the right code in gives at most one token", async () => {
    await createAccount(sys, ali);
    const started = await post("/api/password-recovery", { nationalId: ali.nationalId, method: "sms" });
    const code = await latestCode(sys, ali.mobile);
    const id = started.body.recoveryId;
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(`/api/password-recovery/${id}/verify`, { code: i === 0 ? code : wrong(code, i) }),
      ),
    );
    assert.ok(answers.filter((a) => a.status === 200).length <= 1);
    const row = await sys.db.selectFrom("password_recoveries").selectAll().executeTakeFirstOrThrow();
    assert.ok(row.attempts <= MAX_ATTEMPTS);
  });

  for (const kind of ["mobile", "email"] as const) {
    test(`account ${kind} change: 40 parallel wrong codes, then the right one applies nothing`, async () => {
      await createAccount(sys, ali);
      const cookie = await loginCookie(sys, ali);
      const to = kind === "mobile" ? "09127654321" : "new.address@example.com";
      const asked = await post(`/api/account/${kind}`, { currentPassword: ali.password, [kind]: to }, cookie);
      assert.equal(asked.status, 202);
      const code = await latestCode(sys, to);
      const answers = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          post(`/api/account/${kind}/verify`, { code: wrong(code, i) }, cookie),
        ),
      );
      assert.ok(answers.every((a) => a.status === 400));
      assert.equal(answers.filter((a) => a.body.code === "account.wrongCode").length, MAX_ATTEMPTS - 1);
      const right = await post(`/api/account/${kind}/verify`, { code }, cookie);
      assert.equal(right.status, 400);
      const account = await sys.db.selectFrom("accounts").selectAll().executeTakeFirstOrThrow();
      assert.equal(account[kind], kind === "mobile" ? ali.mobile : ali.email);
      const change = await sys.db.selectFrom("account_changes").selectAll().executeTakeFirstOrThrow();
      assert.equal(change.status, "dead");
      assert.equal(change.attempts, MAX_ATTEMPTS);
    });
  }
});
