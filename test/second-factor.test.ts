// The login's second factor (R-MFA) over HTTP, as the public contract states it: half sessions, SMS
// codes (WebOTP line, 5 tries reserved before comparing, resend cooldown), authenticator apps (replay
// refused), backup codes (single use under parallel use), remembered browsers, step-up.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { SIGN_IN_CODE_LIMITS } from "../src/flows/login/sign-in-codes.ts";
import { hashToken } from "../src/platform/tokens.ts";
import { hotp, timeStep, totpCode } from "../src/platform/totp.ts";
import { createAccount, outboxNow, resetTables, signInCode, signInFully } from "./helpers/accounts.ts";
import { ali, zahra } from "./helpers/people.ts";

/** The contract's fields of a second_factor answer (the page may get more, e.g. the masked mobile). */
const contract = ({ next, method, methods }: Record<string, unknown>) => ({ next, method, methods });

import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

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

type Answer = { status: number; body: Record<string, unknown>; cookie: string | null; res: Res };
type Res = Awaited<ReturnType<TestSystem["app"]["inject"]>>;

async function call(method: string, url: string, cookie: string | null, payload?: object): Promise<Answer> {
  const res = await sys.app.inject({
    method: method as "POST",
    url,
    ...(cookie ? { headers: { cookie } } : {}),
    ...(payload ? { payload } : {}),
  });
  const session = res.cookies.find((c) => c.name === "hoviat_session");
  return {
    status: res.statusCode,
    body: res.body ? (res.json() as Record<string, unknown>) : {},
    cookie: session ? `hoviat_session=${session.value}` : null,
    res,
  };
}

/** The password step: the half session's cookie and the answer; `before` the mobile's texts until then. */
async function password(person = ali, device?: string) {
  const before = await outboxNow(sys, person.mobile);
  const answer = await call("POST", "/api/login", device ?? null, {
    nationalId: person.nationalId,
    password: person.password,
  });
  assert.equal(answer.status, 200);
  return { ...answer, before, half: answer.cookie! };
}

const complete = (half: string, payload: object) => call("POST", "/api/login/second-factor", half, payload);

async function session(cookie: string) {
  const hash = hashToken(cookie.split("=")[1]!);
  return sys.db.selectFrom("sessions").selectAll().where("id_hash", "=", hash).executeTakeFirstOrThrow();
}

/** An app enrolled and confirmed through the routes; its secret (base32). */
async function enrolApp(cookie: string) {
  const started = await call("POST", "/api/account/totp", cookie, {
    currentPassword: ali.password,
    name: "گوشی",
  });
  assert.equal(started.status, 201);
  const secret = String(started.body.secret).replaceAll(" ", "");
  assert.match(String(started.body.uri), /^otpauth:\/\/totp\/Hoviat%3A.*\?secret=[A-Z2-7]+&issuer=Hoviat/);
  assert.match(String(started.body.qrSvg), /^<svg/);
  const confirmed = await call("POST", `/api/account/totp/${started.body.id}/confirm`, cookie, {
    code: totpCode(secret, sys.clock.now()),
  });
  assert.equal(confirmed.status, 204);
  return secret;
}

describe("the password step", () => {
  test("a right password answers second_factor with a half session and sends the SMS code at once", async () => {
    await createAccount(sys, ali);
    const { body, half, before, res } = await password();
    assert.deepEqual(contract(body), { next: "second_factor", method: "sms", methods: ["sms"] });
    assert.equal(body.mobile ?? "0912***4567", "0912***4567", "a mobile shown, only masked");
    const cookie = res.cookies.find((c) => c.name === "hoviat_session")!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    const code = await signInCode(sys, ali.mobile, before);
    const [text] = (await outboxNow(sys, ali.mobile)).filter((t) => !before.includes(t));
    assert.equal(
      text,
      `کد ورود شما به سامانه مدیریت کاربران: ${code} این کد را در اختیار دیگران قرار ندهید.\n@127.0.0.1 #${code}`,
    );
    const stored = await sys.db.selectFrom("sign_in_codes").selectAll().executeTakeFirstOrThrow();
    assert.notEqual(stored.code_hash, code, "only an HMAC of the code is stored");
    const row = await session(half);
    assert.equal(row.stage, "second_factor");
    assert.ok(row.expires_at.getTime() - sys.clock.now().getTime() <= 15 * 60_000, "a half session is short");
  });

  test("a half session is refused everywhere else with 401 login.secondFactorRequired", async () => {
    await createAccount(sys, ali);
    const { half } = await password();
    for (const [method, url] of [
      ["GET", "/api/me"],
      ["GET", "/api/sessions"],
      ["GET", "/api/account/security-events"],
      ["GET", "/api/account/factors"],
      ["POST", "/api/account/backup-codes"],
      ["GET", "/api/account/remembered-browsers"],
      ["POST", "/api/login/step-up"],
    ] as const) {
      const answer = await call(method, url, half, method === "POST" ? {} : undefined);
      assert.equal(answer.status, 401, url);
      assert.equal(answer.body.code, "login.secondFactorRequired", url);
    }
    const none = await complete("hoviat_session=nothing", { method: "sms", code: "123456" });
    assert.equal(none.status, 401, "the second step needs a half session");
  });

  test("a wrong code says how many tries are left; the right one opens a new full session with amr and level", async () => {
    await createAccount(sys, ali);
    const { half, before } = await password();
    const code = await signInCode(sys, ali.mobile, before);
    const wrong = await complete(half, { method: "sms", code: code === "000000" ? "111111" : "000000" });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.attemptsLeft, 4);
    const done = await complete(half, { method: "sms", code: code.replace(/\d/g, (d) => "۰۱۲۳۴۵۶۷۸۹"[+d]!) });
    assert.equal(done.status, 200);
    assert.deepEqual(done.body, { next: "done" });
    assert.ok(done.cookie && done.cookie !== half, "a new token");
    const full = await session(done.cookie);
    assert.equal(full.stage, "full");
    assert.deepEqual(full.amr, ["mfa", "pwd", "sms"]);
    assert.equal(full.aal, 2);
    assert.equal((await call("GET", "/api/me", done.cookie)).status, 200);
    const old = await call("GET", "/api/me", half);
    assert.equal(old.status, 401);
    assert.notEqual(
      old.body.code,
      "login.secondFactorRequired",
      "the half session's cookie is worth nothing now",
    );
    assert.equal((await complete(half, { method: "sms", code })).status, 401, "and it completes nothing");
    const sessions = await call("GET", "/api/sessions", done.cookie);
    assert.equal((sessions.body as unknown as unknown[]).length, 1, "only full sessions are listed");
    const events = await call("GET", "/api/account/security-events", done.cookie);
    assert.deepEqual(
      (events.body as unknown as { type: string; count: number | null }[]).map((e) => [e.type, e.count]),
      [
        ["login.succeeded", null],
        ["login.codeFailed", 1],
      ],
      "the wrong code is there too, as a failed sign-in",
    );
  });

  test("40 parallel wrong codes, then the right one: 5 were compared, and the right one is refused", async () => {
    await createAccount(sys, ali);
    const { half, before } = await password();
    const code = await signInCode(sys, ali.mobile, before);
    const wrongCode = code === "000000" ? "111111" : "000000";
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => complete(half, { method: "sms", code: wrongCode })),
    );
    assert.ok(answers.every((a) => a.status === 400 || a.status === 429));
    const judged = answers.filter((a) => typeof a.body.attemptsLeft === "number" && a.body.attemptsLeft > 0);
    assert.equal(judged.length, 4, "tries 1-4 are told what is left; the 5th kills the code");
    const row = await sys.db.selectFrom("sign_in_codes").selectAll().executeTakeFirstOrThrow();
    assert.equal(row.attempts, 5);
    assert.equal(row.status, "dead");
    const right = await complete(half, { method: "sms", code });
    assert.equal(right.status, 400);
    assert.equal(right.body.code, "login.codeSpent");
    assert.equal((await call("GET", "/api/me", half)).body.code, "login.secondFactorRequired");
  });

  test("wrong codes are failed sign-ins in the holder's security events: one row of the hour, counted", async () => {
    await createAccount(sys, ali);
    const { half, before } = await password();
    const code = await signInCode(sys, ali.mobile, before);
    const wrongCode = code === "000000" ? "111111" : "000000";
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => complete(half, { method: "sms", code: wrongCode })),
    );
    const refused = answers.filter((a) => a.status === 400).length;
    const rows = await sys.db.selectFrom("sign_in_failures").selectAll().execute();
    assert.deepEqual(
      rows.map((r) => [r.step, r.count]),
      [["code", refused]],
      "one row for the code step, none for the right password",
    );
    // Signed in at last (a new code, past the resend cooldown), the holder sees them as one event with
    // the count.
    sys.clock.advance(2 * 60_000);
    const { cookie: full } = await signInFully(sys, ali);
    const events = (await call("GET", "/api/account/security-events", full)).body as unknown as {
      type: string;
      count: number | null;
    }[];
    assert.deepEqual(
      events.filter((e) => e.type.startsWith("login.codeFailed")).map((e) => e.count),
      [refused],
    );
  });

  test("a new code: 429 with Retry-After inside the cooldown, then 202; the old code dies", async () => {
    await createAccount(sys, ali);
    const { half, before } = await password();
    const first = await signInCode(sys, ali.mobile, before);
    const early = await call("POST", "/api/login/second-factor/sms", half, {});
    assert.equal(early.status, 429);
    assert.equal(early.res.headers["retry-after"], String(SIGN_IN_CODE_LIMITS.resendCooldownMs / 1000));
    sys.clock.advance(SIGN_IN_CODE_LIMITS.resendCooldownMs + 1000);
    const seen = await outboxNow(sys, ali.mobile);
    const resent = await call("POST", "/api/login/second-factor/sms", half, {});
    assert.equal(resent.status, 202);
    const second = await signInCode(sys, ali.mobile, seen);
    if (first !== second) {
      const old = await complete(half, { method: "sms", code: first });
      assert.equal(old.status, 400);
    }
    assert.equal((await complete(half, { method: "sms", code: second })).status, 200);
  });

  test("the SMS caps per account: past them the password step still answers, with no code and a wait", async () => {
    await createAccount(sys, ali);
    for (let i = 0; i < SIGN_IN_CODE_LIMITS.perHour; i++) {
      assert.equal((await password()).body.retryAfter, undefined);
    }
    const capped = await password();
    assert.equal(capped.body.next, "second_factor");
    assert.ok(Number(capped.body.retryAfter) > 0);
    const resend = await call("POST", "/api/login/second-factor/sms", capped.half, {});
    assert.equal(resend.status, 429);
    assert.ok(resend.res.headers["retry-after"]);
  });

  test("a code expires after CODE_VALIDITY_MINUTES", async () => {
    await createAccount(sys, ali);
    const { half, before } = await password();
    const code = await signInCode(sys, ali.mobile, before);
    sys.clock.advance(5 * 60_000 + 1000);
    const late = await complete(half, { method: "sms", code });
    assert.equal(late.status, 400);
    assert.equal(late.body.code, "login.codeSpent");
  });
});

describe("authenticator apps and backup codes", () => {
  test("an app: offered at sign-in, its code completes it, and the same code is refused a second time", async () => {
    await createAccount(sys, ali);
    const { cookie } = await signInFully(sys, ali);
    const secret = await enrolApp(cookie);
    sys.clock.advance(30_000);
    const first = await password();
    assert.deepEqual(contract(first.body), {
      next: "second_factor",
      method: "sms",
      methods: ["sms", "totp"],
    });
    const code = totpCode(secret, sys.clock.now());
    const done = await complete(first.half, { method: "totp", code });
    assert.equal(done.status, 200);
    assert.deepEqual((await session(done.cookie!)).amr, ["mfa", "otp", "pwd"]);
    const replay = await complete((await password()).half, { method: "totp", code });
    assert.equal(replay.status, 400, "a code is good once");
    assert.equal(replay.body.code, "login.wrongCode");
    // An older step than the last one used is refused as well; the next one is good.
    const step = timeStep(sys.clock.now());
    const again = await password();
    assert.equal((await complete(again.half, { method: "totp", code: hotp(secret, step - 1) })).status, 400);
    assert.equal((await complete(again.half, { method: "totp", code: hotp(secret, step + 1) })).status, 200);
  });

  test("wrong app codes are reserved per account before comparing: past 5, a challenge", async () => {
    await createAccount(sys, ali);
    const { cookie } = await signInFully(sys, ali);
    const secret = await enrolApp(cookie);
    const { half } = await password();
    const right = totpCode(secret, sys.clock.now());
    const wrong = right === "000000" ? "111111" : "000000";
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => complete(half, { method: "totp", code: wrong })),
    );
    assert.equal(answers.filter((a) => a.status === 400).length, 5);
    assert.equal(answers.filter((a) => a.body.code === "challenge_required").length, 15);
    const blocked = await complete(half, { method: "totp", code: right });
    assert.equal(blocked.status, 429, "even the right code waits for a solved challenge");
  });

  test("backup codes: 10 shown once, each good once even under parallel use, a new set replaces the old", async () => {
    await createAccount(sys, ali);
    const { cookie } = await signInFully(sys, ali);
    const made = await call("POST", "/api/account/backup-codes", cookie, { currentPassword: ali.password });
    assert.equal(made.status, 201);
    const codes = made.body.codes as string[];
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    const stored = await sys.db.selectFrom("backup_codes").select("code_hash").execute();
    assert.ok(
      stored.every((r) => !codes.some((c) => r.code_hash.includes(c.replace("-", "")))),
      "hashed at rest",
    );

    const halves = await Promise.all([password(), password(), password()]);
    const answers = await Promise.all(
      halves.map((h) => complete(h.half, { method: "backup_code", code: codes[0]!.toUpperCase() })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400]);
    const factors = await call("GET", "/api/account/factors", answers.find((a) => a.status === 200)!.cookie);
    assert.equal((factors.body.backupCodes as { remaining: number }).remaining, 9);

    const fresh = await signInFully(sys, ali);
    const renewed = await call("POST", "/api/account/backup-codes", fresh.cookie, {
      currentPassword: ali.password,
    });
    assert.equal(renewed.status, 201);
    const { half } = await password();
    assert.equal(
      (await complete(half, { method: "backup_code", code: codes[1] })).status,
      400,
      "the old set is gone",
    );
    const code = (renewed.body.codes as string[])[0]!;
    assert.equal((await complete(half, { method: "backup_code", code })).status, 200);
  });
});

describe("remembered browsers", () => {
  test("skip the factor in that browser for that account only; listed, revocable, forgotten at a password reset", async () => {
    await createAccount(sys, ali);
    await createAccount(sys, zahra);
    const first = await signInFully(sys, ali, ali.password, { rememberBrowser: true });
    assert.ok(first.device, "a hoviat_device cookie");
    const again = await password(ali, first.device!);
    assert.deepEqual(again.body, { next: "done" });
    const row = await session(again.cookie!);
    assert.equal(row.stage, "full");
    assert.deepEqual(row.amr, ["pwd"]);
    assert.equal(row.aal, 2);
    // Changes of factors need a factor given in this sign-in: the remembered browser is none.
    const unproved = await call("POST", "/api/account/totp", `${again.cookie}; ${first.device}`, {});
    assert.equal(unproved.status, 400);
    assert.equal((unproved.body as { errors: { field: string }[] }).errors[0]!.field, "currentPassword");
    const other = await password(zahra, first.device!);
    assert.equal(other.body.next, "second_factor", "another account in the same browser is asked");

    const listed = await call("GET", "/api/account/remembered-browsers", `${again.cookie}; ${first.device}`);
    const browsers = listed.body as unknown as { id: string; current: boolean; expiresAt: string }[];
    assert.equal(browsers.length, 1);
    assert.equal(browsers[0]!.current, true);
    const days = (Date.parse(browsers[0]!.expiresAt) - sys.clock.now().getTime()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30);

    // A password reset forgets it.
    const recovery = await call("POST", "/api/password-recovery", null, {
      nationalId: ali.nationalId,
      method: "sms",
    });
    const code = await recoveryCode();
    const verified = await call("POST", `/api/password-recovery/${recovery.body.recoveryId}/verify`, null, {
      code,
    });
    const newPassword = "Tazeh2027Ramz";
    const reset = await call("POST", `/api/password-recovery/${recovery.body.recoveryId}/reset`, null, {
      resetToken: verified.body.resetToken,
      password: newPassword,
      passwordConfirmation: newPassword,
    });
    assert.equal(reset.status, 204);
    const after = await password({ ...ali, password: newPassword }, first.device!);
    assert.equal(after.body.next, "second_factor", "the browser is asked again after a reset");
  });

  test("a revoked browser is asked again", async () => {
    await createAccount(sys, ali);
    const first = await signInFully(sys, ali, ali.password, { rememberBrowser: true });
    const [browser] = (await call("GET", "/api/account/remembered-browsers", first.cookie))
      .body as unknown as {
      id: string;
    }[];
    assert.equal(
      (await call("DELETE", `/api/account/remembered-browsers/${browser!.id}`, first.cookie)).status,
      204,
    );
    assert.equal(
      (await call("DELETE", `/api/account/remembered-browsers/${browser!.id}`, first.cookie)).status,
      404,
    );
    assert.equal((await password(ali, first.device!)).body.next, "second_factor");
  });
});

describe("step-up", () => {
  test("a full session becomes a half one that keeps its amr; the factor merges into it", async () => {
    await createAccount(sys, ali);
    const first = await signInFully(sys, ali, ali.password, { rememberBrowser: true });
    const remembered = await password(ali, first.device!);
    assert.deepEqual((await session(remembered.cookie!)).amr, ["pwd"]);
    const before = await outboxNow(sys, ali.mobile);
    const up = await call("POST", "/api/login/step-up", remembered.cookie, {});
    assert.equal(up.status, 200);
    assert.deepEqual(contract(up.body), { next: "second_factor", method: "sms", methods: ["sms"] });
    assert.equal((await call("GET", "/api/me", up.cookie)).body.code, "login.secondFactorRequired");
    assert.equal(
      (await call("GET", "/api/me", remembered.cookie)).status,
      401,
      "the full session was replaced",
    );
    const code = await signInCode(sys, ali.mobile, before);
    const done = await complete(up.cookie!, { method: "sms", code });
    assert.equal(done.status, 200);
    const row = await session(done.cookie!);
    assert.deepEqual(row.amr, ["mfa", "pwd", "sms"]);
    assert.equal(row.aal, 2);
  });
});

/** The code of the (one) recovery SMS to ali. */
async function recoveryCode() {
  return eventually(async () => {
    const texts = await outboxNow(sys, ali.mobile);
    const text = texts.find((t) => t.startsWith("کد احراز هویت شما"));
    return text?.match(/\b(\d{6})\b/)?.[1];
  });
}
