import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { RECOVERY_LIMITS } from "../src/flows/recovery/service.ts";
import { createAccount, latestCode, loginCookie, notices, outbox, resetTables } from "./helpers/accounts.ts";
import { answer } from "./helpers/challenge.ts";
import { ali, mohammadreza, zahra } from "./helpers/people.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

const NEW_PASSWORD = "Tazeh2027Ramz";
const UNKNOWN_ID = "0078912342";

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

async function post(url: string, payload: object, headers: Record<string, string> = {}) {
  const res = await sys.app.inject({ method: "POST", url, payload, headers });
  return {
    status: res.statusCode,
    body: res.body ? res.json() : undefined,
    type: res.headers["content-type"],
    retryAfter: res.headers["retry-after"],
  };
}
const start = (nationalId: string, method: string) => post("/api/password-recovery", { nationalId, method });
const verify = (id: string, body: object) => post(`/api/password-recovery/${id}/verify`, body);
const reset = (id: string, resetToken: string, password = NEW_PASSWORD, passwordConfirmation = password) =>
  post(`/api/password-recovery/${id}/reset`, { resetToken, password, passwordConfirmation });
const resend = (id: string) => post(`/api/password-recovery/${id}/resend`, {});
const login = (nationalId: string, password: string) => post("/api/login", { nationalId, password });

async function me(cookie: string) {
  return (await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie } })).statusCode;
}

describe("recovery by SMS and email", () => {
  test("SMS: the code reaches the registered mobile; verify, reset, log in with the new password", async () => {
    await createAccount(sys, ali);
    const started = await start("۰۰۱۲۳۴۵۶۷۹", "sms");
    assert.equal(started.status, 200);
    assert.deepEqual(Object.keys(started.body), ["recoveryId", "resendAfterSeconds"]);
    assert.equal(started.body.resendAfterSeconds, RECOVERY_LIMITS.resendCooldownMs / 1000);
    const [text] = await outbox(sys, ali.mobile);
    assert.match(
      text!,
      /^کد احراز هویت شما برای بازیابی گذرواژه: (\d{6})\nاین کد تا ۵ دقیقه معتبر است\. .*\nسازمان تأمین اجتماعی\n@127\.0\.0\.1 #\1$/s,
    );
    const code = await latestCode(sys, ali.mobile);

    const verified = await verify(started.body.recoveryId, { code });
    assert.equal(verified.status, 200);
    assert.match(verified.body.resetToken, /^[\w-]{43}$/);
    assert.equal((await reset(started.body.recoveryId, verified.body.resetToken)).status, 204);
    assert.equal((await login(ali.nationalId, ali.password)).status, 401);
    assert.ok(await loginCookie(sys, ali, NEW_PASSWORD), "signs in with the new password and an SMS code");
    const events = await sys.db.selectFrom("security_events").selectAll().execute();
    assert.deepEqual(events.map((e) => [e.type, e.national_id]).sort(), [
      ["login.succeeded", ali.nationalId],
      ["password.reset", ali.nationalId],
    ]);
  });

  test("email: the code reaches the registered address, typed back in Persian digits", async () => {
    // Capitals in the mailbox name: the address is looked up as it was registered.
    const email = "Zahra.Karimi@example.com";
    await createAccount(sys, { ...zahra, email });
    const started = await start(zahra.nationalId, "email");
    const [text] = await outbox(sys, email);
    assert.match(text!, /^کد احراز هویت بازیابی گذرواژه\n\n/);
    const code = await latestCode(sys, email);
    const persian = code.replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[Number(d)]!);
    const verified = await verify(started.body.recoveryId, { code: persian });
    assert.equal(verified.status, 200);
    assert.equal((await reset(started.body.recoveryId, verified.body.resetToken)).status, 204);
    assert.equal((await login(zahra.nationalId, NEW_PASSWORD)).status, 200);
  });

  test("the codes are stored hashed, never in clear", async () => {
    await createAccount(sys, ali);
    const started = await start(ali.nationalId, "sms");
    const code = await latestCode(sys, ali.mobile);
    const row = await sys.db.selectFrom("password_recoveries").selectAll().executeTakeFirstOrThrow();
    assert.equal(row.id, started.body.recoveryId);
    assert.ok(row.code_hash && !row.code_hash.includes(code));
    // Nor in the stored SMS once it has left: a database dump yields no live code.
    const message = await eventually(async () => {
      const m = await sys.db
        .selectFrom("messages")
        .selectAll()
        .where("template", "=", "recovery.code.sms")
        .executeTakeFirst();
      return m?.status === "sent" ? m : undefined;
    });
    assert.ok(!message.body.includes(code), "the code is redacted from the sent message");
    assert.match(message.body, /••••••/);
  });

  test("five wrong codes kill the recovery: even the right code then fails", async () => {
    await createAccount(sys, ali);
    const { body } = await start(ali.nationalId, "sms");
    const code = await latestCode(sys, ali.mobile);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 1; i <= 4; i++) {
      const res = await verify(body.recoveryId, { code: wrong });
      assert.equal(res.status, 400);
      assert.equal(res.type, "application/problem+json; charset=utf-8");
      assert.equal(res.body.code, "recovery.wrongCode");
      assert.equal(res.body.attemptsLeft, 5 - i);
    }
    assert.equal((await verify(body.recoveryId, { code: wrong })).body.code, "recovery.locked");
    const late = await verify(body.recoveryId, { code });
    assert.equal(late.status, 400);
    assert.equal(late.body.code, "recovery.locked");
  });

  test("a code expires after CODE_VALIDITY_MINUTES", async () => {
    await createAccount(sys, ali);
    const { body } = await start(ali.nationalId, "sms");
    const code = await latestCode(sys, ali.mobile);
    sys.clock.advance(5 * 60_000 + 1);
    const res = await verify(body.recoveryId, { code });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "recovery.expired");
  });

  test("a code is single use and bound to its recovery", async () => {
    await createAccount(sys, ali);
    const first = await start(ali.nationalId, "sms");
    const code1 = await latestCode(sys, ali.mobile);
    sys.clock.advance(61_000);
    const second = await start(ali.nationalId, "sms");
    const code2 = await latestCode(sys, ali.mobile, 2);
    if (code1 !== code2) {
      assert.equal((await verify(second.body.recoveryId, { code: code1 })).status, 400);
    }
    assert.equal((await verify(first.body.recoveryId, { code: code1 })).status, 200);
    const again = await verify(first.body.recoveryId, { code: code1 });
    assert.equal(again.status, 400);
    assert.equal(again.body.code, "recovery.invalid");
  });

  test("the reset token is single use, short-lived, and R-PWD errors name their fields", async () => {
    await createAccount(sys, ali);
    const { body } = await start(ali.nationalId, "sms");
    const { body: v } = await verify(body.recoveryId, { code: await latestCode(sys, ali.mobile) });
    const weak = await reset(body.recoveryId, v.resetToken, "short", "other");
    assert.equal(weak.status, 400);
    const fields = weak.body.errors.map((e: { field: string; code: string }) => `${e.field}:${e.code}`);
    assert.ok(fields.includes("password:password.length"));
    assert.ok(fields.includes("passwordConfirmation:passwordConfirmation.mismatch"));
    const withId = await reset(body.recoveryId, v.resetToken, `Ab${ali.nationalId}`);
    assert.deepEqual(
      withId.body.errors.map((e: { code: string }) => e.code),
      ["password.nationalId"],
    );
    assert.equal((await reset(body.recoveryId, "x".repeat(43))).body.code, "recovery.invalidToken");
    assert.equal((await reset(body.recoveryId, v.resetToken)).status, 204);
    const reused = await reset(body.recoveryId, v.resetToken, "Another2028x");
    assert.equal(reused.status, 400);
    assert.equal(reused.body.code, "recovery.invalidToken");

    const next = await start(zahra.nationalId, "sms");
    await createAccount(sys, zahra);
    sys.clock.advance(61_000);
    const late = await start(zahra.nationalId, "sms");
    const { body: v2 } = await verify(late.body.recoveryId, { code: await latestCode(sys, zahra.mobile) });
    sys.clock.advance(5 * 60_000 + 1);
    assert.equal((await reset(late.body.recoveryId, v2.resetToken)).body.code, "recovery.invalidToken");
    assert.equal(next.status, 200);
  });

  test("after a reset every session is revoked and an SMS says the password changed", async () => {
    await createAccount(sys, ali);
    const phone = await loginCookie(sys, ali);
    const laptop = await loginCookie(sys, ali);
    assert.equal(await me(phone), 200);
    const { body } = await start(ali.nationalId, "sms");
    const { body: v } = await verify(body.recoveryId, { code: await latestCode(sys, ali.mobile) });
    assert.equal((await reset(body.recoveryId, v.resetToken)).status, 204);
    assert.equal(await me(phone), 401);
    assert.equal(await me(laptop), 401);
    // The recovery code and the notice (the two sign-in codes before them are not counted: waiting
    // for two texts of all would let the notice come after the check).
    const texts = await notices(sys, ali.mobile, 2);
    assert.ok(texts.some((t) => t.startsWith("کاربر گرامی، گذرواژه حساب کاربری شما تغییر کرد.")));
  });
});

describe("recovery by security questions", () => {
  test("lists the questions chosen at registration; answers compare normalised", async () => {
    await createAccount(sys, {
      ...ali,
      securityAnswers: [
        { questionId: "q2", answer: "علي  كريمي" },
        { questionId: "q5", answer: "Blue Sky" },
        { questionId: "q11", answer: "۱۳۶۵" },
      ],
    });
    const started = await start(ali.nationalId, "security_questions");
    assert.equal(started.status, 200);
    assert.deepEqual(Object.keys(started.body).sort(), ["questions", "recoveryId"]);
    assert.deepEqual(
      started.body.questions.map((q: { id: string }) => q.id),
      ["q2", "q5", "q11"],
    );
    assert.ok(started.body.questions.every((q: { text: string }) => /[\u0600-\u06FF]/.test(q.text)));
    const answers = [
      { questionId: "q2", answer: " علی کریمی " },
      { questionId: "q5", answer: "blue sky" },
      { questionId: "q11", answer: "1365" },
    ];
    const wrong = await verify(started.body.recoveryId, {
      answers: [...answers.slice(0, 2), { questionId: "q11", answer: "1366" }],
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.code, "recovery.wrongAnswers");
    const partial = await verify(started.body.recoveryId, { answers: answers.slice(0, 2) });
    assert.equal(partial.status, 400);
    const verified = await verify(started.body.recoveryId, { answers });
    assert.equal(verified.status, 200);
    assert.equal((await reset(started.body.recoveryId, verified.body.resetToken)).status, 204);
    assert.equal((await login(ali.nationalId, NEW_PASSWORD)).status, 200);
  });
});

describe("no enumeration", () => {
  for (const method of ["sms", "email", "security_questions"]) {
    test(`${method}: an unknown national ID gets the same status and keys; verify always fails`, async () => {
      await createAccount(sys, ali);
      const known = await start(ali.nationalId, method);
      const unknown = await start(UNKNOWN_ID, method);
      assert.equal(unknown.status, known.status);
      assert.deepEqual(Object.keys(unknown.body).sort(), Object.keys(known.body).sort());
      assert.match(unknown.body.recoveryId, /^[0-9a-f-]{36}$/);
      if (method === "security_questions") {
        assert.equal(unknown.body.questions.length, 3);
        assert.deepEqual(Object.keys(unknown.body.questions[0]).sort(), ["id", "text"]);
        const again = await start(UNKNOWN_ID, method);
        assert.deepEqual(again.body.questions, unknown.body.questions, "stable for the same ID");
        const answers = unknown.body.questions.map((q: { id: string }) => ({
          questionId: q.id,
          answer: "تهران",
        }));
        const res = await verify(unknown.body.recoveryId, { answers });
        assert.equal(res.status, 400);
        assert.equal(res.body.code, "recovery.wrongAnswers");
      } else {
        for (const code of ["000000", "123456"]) {
          const res = await verify(unknown.body.recoveryId, { code });
          assert.equal(res.status, 400);
          assert.equal(res.body.code, "recovery.wrongCode");
        }
      }
    });
  }

  test("invalid input: 400 naming the fields", async () => {
    const res = await start("123", "pigeon");
    assert.equal(res.status, 400);
    assert.deepEqual(
      res.body.errors.map((e: { field: string }) => e.field),
      ["nationalId", "method"],
    );
    assert.equal((await verify("not-a-uuid", { code: "1" })).body.code, "recovery.invalid");
  });
});

describe("«ارسال دوباره» and the tries left", () => {
  test("a resend waits for the cooldown the start announced, sends a new code and kills the old one", async () => {
    await createAccount(sys, ali);
    const first = await start(ali.nationalId, "sms");
    const code1 = await latestCode(sys, ali.mobile);
    const early = await resend(first.body.recoveryId);
    assert.equal(early.status, 429);
    assert.ok(Number(early.retryAfter) > 0 && Number(early.retryAfter) <= first.body.resendAfterSeconds);
    sys.clock.advance(first.body.resendAfterSeconds * 1000 + 1000);
    const second = await resend(first.body.recoveryId);
    assert.equal(second.status, 200);
    assert.deepEqual(Object.keys(second.body), ["recoveryId", "resendAfterSeconds"]);
    assert.notEqual(second.body.recoveryId, first.body.recoveryId);
    const code2 = await latestCode(sys, ali.mobile, 2);
    assert.equal((await verify(first.body.recoveryId, { code: code1 })).status, 400, "the old code is dead");
    assert.equal((await resend(first.body.recoveryId)).status, 400, "and cannot be resent again");
    assert.equal((await verify(second.body.recoveryId, { code: code2 })).status, 200);
  });

  test("an unknown ID's resend and wrong codes answer exactly like a known one's", async () => {
    await createAccount(sys, ali);
    const shapes = [];
    for (const id of [ali.nationalId, UNKNOWN_ID]) {
      const started = await start(id, "sms");
      sys.clock.advance(61_000);
      const again = await resend(started.body.recoveryId);
      const wrong = await verify(again.body.recoveryId, { code: "999999" });
      shapes.push({
        resend: [again.status, Object.keys(again.body), again.body.resendAfterSeconds],
        wrong: [wrong.status, wrong.body.code, wrong.body.attemptsLeft],
      });
    }
    assert.deepEqual(shapes[1], shapes[0]);
    assert.equal(shapes[0]?.wrong[2], 4);
  });

  test("the tries left come from the counter: a burst of wrong codes each gets its own figure", async () => {
    await createAccount(sys, ali);
    const started = await start(ali.nationalId, "sms");
    const code = await latestCode(sys, ali.mobile);
    const wrong = code === "111111" ? "222222" : "111111";
    const first = await verify(started.body.recoveryId, { code: wrong });
    assert.equal(first.body.attemptsLeft, 4);
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => verify(started.body.recoveryId, { code: wrong })),
    );
    const left = burst.map((r) => r.body.attemptsLeft).sort();
    assert.deepEqual(left, [0, 0, 0, 0, 0, 1, 2, 3]);
    assert.equal(burst.filter((r) => r.body.code === "recovery.locked").length, 5);
    assert.equal((await verify(started.body.recoveryId, { code })).body.code, "recovery.locked");
  });

  test("a recovery by questions has no code to resend", async () => {
    await createAccount(sys, ali);
    const started = await start(ali.nationalId, "security_questions");
    assert.equal(started.body.resendAfterSeconds, undefined);
    assert.equal((await resend(started.body.recoveryId)).body.code, "recovery.invalid");
  });
});

describe("limits", () => {
  test("a second code for the same national ID within a minute is refused, known or not", async () => {
    await createAccount(sys, ali);
    for (const id of [ali.nationalId, UNKNOWN_ID]) {
      assert.equal((await start(id, "sms")).status, 200);
      const again = await start(id, "email");
      assert.equal(again.status, 429);
      assert.ok(Number(again.body.status) === 429);
    }
    sys.clock.advance(61_000);
    assert.equal((await start(ali.nationalId, "sms")).status, 200);
  });

  test("a daily cap per national ID, and a mobile gets at most 5 codes a day (silently)", async () => {
    await createAccount(sys, ali);
    for (let i = 0; i < 10; i++) {
      assert.equal((await start(ali.nationalId, "sms")).status, 200);
      sys.clock.advance(61_000);
    }
    assert.equal((await start(ali.nationalId, "sms")).status, 429);
    assert.equal((await outbox(sys, ali.mobile, 5)).length, 5);
  });

  test("past 100 recoveries a day from one address, each needs a solved challenge, never a refusal", async () => {
    const checkDigit = (nine: string) => {
      const sum = [...nine].reduce((acc, d, k) => acc + Number(d) * (10 - k), 0) % 11;
      return nine + (sum < 2 ? sum : 11 - sum);
    };
    const ids = Array.from({ length: RECOVERY_LIMITS.perIpPerDay + 1 }, (_, n) =>
      checkDigit(`7${String(n).padStart(8, "0")}`),
    );
    for (const id of ids.slice(0, -1)) assert.equal((await start(id, "security_questions")).status, 200);
    const payload = { nationalId: ids.at(-1)!, method: "security_questions" };
    const over = await sys.app.inject({ method: "POST", url: "/api/password-recovery", payload });
    assert.equal(over.statusCode, 429);
    assert.equal(over.json().code, "challenge_required", "before: a flat 429 for the rest of the day");
    const headers = { "x-altcha": await answer(over) };
    assert.equal((await post("/api/password-recovery", payload, headers)).status, 200);
  });
});

describe("accounts awaiting branch activation", () => {
  test("step 1 answers the same; after the code is proved, a 403 sends them to a branch and nothing activates", async () => {
    await createAccount(sys, mohammadreza, "awaiting_branch_activation");
    const started = await start(mohammadreza.nationalId, "sms");
    assert.equal(started.status, 200);
    assert.deepEqual(Object.keys(started.body), ["recoveryId", "resendAfterSeconds"]);
    assert.equal(started.body.resendAfterSeconds, RECOVERY_LIMITS.resendCooldownMs / 1000);
    const wrong = await verify(started.body.recoveryId, { code: "999999x" });
    assert.equal(wrong.status, 400);
    const res = await verify(started.body.recoveryId, { code: await latestCode(sys, mohammadreza.mobile) });
    assert.equal(res.status, 403);
    assert.equal(res.body.status, "awaiting_branch_activation");
    assert.match(res.body.title, /شعبه/);
    const account = await sys.db.selectFrom("accounts").select("status").executeTakeFirstOrThrow();
    assert.equal(account.status, "awaiting_branch_activation");
    assert.equal((await login(mohammadreza.nationalId, NEW_PASSWORD)).status, 401);
  });
});
