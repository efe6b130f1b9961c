// Recovery, issue 10 part 7: the same number of questions for every national ID, recoveries voided
// by any other credential change, and the contact hold after a reset by security questions alone.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { createAccount, loginCookie, outbox, resetTables } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

const NEW_PASSWORD = "Tazeh2027Ramz";
const OTHER_PASSWORD = "Digar2028Ramz";
const UNKNOWN_ID = "0078912342";
const FIVE_ANSWERS = [
  { questionId: "q1", answer: "تهران" },
  { questionId: "q2", answer: "کریمی" },
  { questionId: "q3", answer: "پرسپولیس" },
  { questionId: "q4", answer: "سپید" },
  { questionId: "q5", answer: "بهار" },
];

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
const start = (nationalId: string, method: string) => post("/api/password-recovery", { nationalId, method });
const questionIds = async (nationalId: string) =>
  ((await start(nationalId, "security_questions")).body.questions as { id: string }[]).map((q) => q.id);

/** The code delivered for recovery `id`. */
const codeOf = (id: string) =>
  eventually(async () => {
    const row = await sys.db
      .selectFrom("outbox")
      .innerJoin("messages", "messages.id", "outbox.message_id")
      .select("outbox.body")
      .where("messages.dedupe_key", "=", `recovery:${id}:code`)
      .executeTakeFirst();
    return row?.body.match(/\b(\d{6})\b/)?.[1];
  });

/** Recovery by SMS up to its reset token. */
async function tokenBySms() {
  const started = await start(ali.nationalId, "sms");
  const code = await codeOf(started.body.recoveryId);
  const verified = await post(`/api/password-recovery/${started.body.recoveryId}/verify`, { code });
  assert.equal(verified.status, 200);
  return { id: started.body.recoveryId as string, token: verified.body.resetToken as string };
}
const reset = (id: string, resetToken: string, password = NEW_PASSWORD) =>
  post(`/api/password-recovery/${id}/reset`, { resetToken, password, passwordConfirmation: password });

describe("security questions: one count for every national ID", () => {
  test("an account with five answers is asked three, the same three each time, like an unknown ID", async () => {
    await createAccount(sys, { ...ali, securityAnswers: FIVE_ANSWERS });
    const first = await questionIds(ali.nationalId);
    assert.equal(first.length, 3);
    assert.deepEqual(await questionIds(ali.nationalId), first);
    const unknown = await questionIds(UNKNOWN_ID);
    assert.equal(unknown.length, first.length);
    assert.deepEqual(await questionIds(UNKNOWN_ID), unknown);
    // The three asked are enough, and they must be right.
    const started = await start(ali.nationalId, "security_questions");
    const answers = started.body.questions.map((q: { id: string }) =>
      FIVE_ANSWERS.find((a) => a.questionId === q.id),
    );
    const verified = await post(`/api/password-recovery/${started.body.recoveryId}/verify`, { answers });
    assert.equal(verified.status, 200);
  });
});

describe("a reset token dies when the password changes another way", () => {
  test("a change from the account voids a token obtained before it", async () => {
    await createAccount(sys, ali);
    const { id, token } = await tokenBySms();
    const cookie = await loginCookie(sys, ali);
    const changed = await post(
      "/api/account/password",
      { currentPassword: ali.password, password: OTHER_PASSWORD, passwordConfirmation: OTHER_PASSWORD },
      cookie,
    );
    assert.equal(changed.status, 204);
    const late = await reset(id, token);
    assert.equal(late.status, 400);
    assert.equal(late.body.code, "recovery.invalidToken");
    assert.equal(
      (await post("/api/login", { nationalId: ali.nationalId, password: OTHER_PASSWORD })).status,
      200,
    );
  });

  test("a pending code dies too, and so does a token when an admin locks and unlocks the account", async () => {
    await createAccount(sys, ali);
    const started = await start(ali.nationalId, "sms");
    const code = await codeOf(started.body.recoveryId);
    const cookie = await loginCookie(sys, ali);
    await post(
      "/api/account/password",
      { currentPassword: ali.password, password: OTHER_PASSWORD, passwordConfirmation: OTHER_PASSWORD },
      cookie,
    );
    const verified = await post(`/api/password-recovery/${started.body.recoveryId}/verify`, { code });
    assert.equal(verified.status, 400);
    assert.equal(verified.body.resetToken, undefined);

    sys.clock.advance(61_000);
    const { id, token } = await tokenBySms();
    // What a branch or an admin does to the account (status, mobile, password) moves its version on.
    await sys.db.updateTable("accounts").set({ status: "locked" }).execute();
    await sys.db.updateTable("accounts").set({ status: "active" }).execute();
    assert.equal((await reset(id, token)).status, 400);
  });
});

describe("a reset by security questions alone holds mobile and email changes for 72 hours", () => {
  test("the account routes refuse with the Jalali date, the SMS says so, and the hold ends", async () => {
    await createAccount(sys, ali);
    const started = await start(ali.nationalId, "security_questions");
    const answers = ali.securityAnswers;
    const verified = await post(`/api/password-recovery/${started.body.recoveryId}/verify`, { answers });
    assert.equal((await reset(started.body.recoveryId, verified.body.resetToken)).status, 204);
    const [sms] = await outbox(sys, ali.mobile);
    assert.match(sms!, /پرسش‌های امنیتی بازنشانی شد/);
    assert.match(sms!, /تا [۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2} ساعت [۰-۹]{2}:[۰-۹]{2}/);

    const cookie = await loginCookie(sys, ali, NEW_PASSWORD);
    for (const [kind, value] of [
      ["mobile", "09127654321"],
      ["email", "other@example.com"],
    ] as const) {
      const refused = await post(
        `/api/account/${kind}`,
        { currentPassword: NEW_PASSWORD, [kind]: value },
        cookie,
      );
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, "account.contactHold");
      assert.match(refused.body.title, /تا [۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2} ساعت/);
      assert.ok(Date.parse(refused.body.until) > sys.clock.now().getTime() + 71 * 3_600_000);
    }
    sys.clock.advance(72 * 3_600_000 + 1_000);
    const fresh = await loginCookie(sys, ali, NEW_PASSWORD);
    const allowed = await post(
      "/api/account/email",
      { currentPassword: NEW_PASSWORD, email: "other@example.com" },
      fresh,
    );
    assert.equal(allowed.status, 202);
    await outbox(sys, "other@example.com");
  });

  test("a reset by SMS code holds nothing", async () => {
    await createAccount(sys, ali);
    const { id, token } = await tokenBySms();
    assert.equal((await reset(id, token)).status, 204);
    const cookie = await loginCookie(sys, ali, NEW_PASSWORD);
    const asked = await post(
      "/api/account/email",
      { currentPassword: NEW_PASSWORD, email: "other@example.com" },
      cookie,
    );
    assert.equal(asked.status, 202);
    await outbox(sys, "other@example.com");
  });
});
