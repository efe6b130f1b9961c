import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { sendMessage } from "../src/flows/courier/courier.ts";
import { verifyRegistration } from "../src/flows/registration/verification-job.ts";
import { abdollah, ali, mohammadreza, PASSWORD, zahra } from "./helpers/people.ts";
import { injectCall, MOBILE_CODE_SMS, withProof } from "./helpers/registration.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

const SUBMITTED = "درخواست شما با موفقیت ثبت گردید و نتیجه مراحل انجام شده از طریق پیامک ارسال خواهد شد.";
const MISMATCH_SMS =
  "اطلاعات هویتی وارد شده توسط شما با پایگاه مرجع مطابقت ندارد، میتوانید مجدداً ثبت نام نمائید. چنانچه از صحت اطلاعات ثبت شده اطمینان دارید با در دست داشتن مدارک هویتی خود به نزدیکترین شعبه مراجعه فرمائید.";
const activatedSms = (title: string, name: string) =>
  `${title} ${name} به سیستم های متمرکز سازمان تأمین اجتماعی خوش آمدید. حساب کاربری شما فعال گردید.`;
const branchSms = (title: string, name: string) =>
  `${title} ${name} ثبت نام شما تأیید شد، جهت فعال سازی حساب کاربری با در دست داشتن مدارک هویتی به نزدیکترین شعبه مراجعه فرمائید.`;

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  sys.registry.outage = false;
  for (const table of [
    "sessions",
    "security_answers",
    "email_confirmations",
    "accounts",
    "registration_requests",
    "mobile_verifications",
    "messages",
    "outbox",
    "throttles",
  ] as const) {
    await sys.db.deleteFrom(table).execute();
  }
});

/** A registration as the wizard sends it: step 1 proved by the code, then the whole body. */
async function submit(body: { nationalId: string; mobile: string; [field: string]: unknown }) {
  return submitRaw(await withProof(injectCall(sys), body));
}

async function submitRaw(body: object) {
  const res = await sys.app.inject({ method: "POST", url: "/api/registrations", payload: body });
  return { status: res.statusCode, body: res.json(), type: res.headers["content-type"] };
}

async function statusOf(requestId: string) {
  const row = await sys.db
    .selectFrom("registration_requests")
    .select("status")
    .where("id", "=", requestId)
    .executeTakeFirst();
  return row?.status;
}

/** Waits until the verification has failed `n` times (the registry was unavailable). */
async function attemptsReach(requestId: string, n: number) {
  await eventually(async () => {
    const row = await sys.db
      .selectFrom("registration_requests")
      .select("attempts")
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    return row.attempts >= n ? true : undefined;
  });
}

async function settled(requestId: string) {
  return eventually(async () => {
    const status = await statusOf(requestId);
    return status && status !== "pending" ? status : undefined;
  });
}

/** The outcome SMS to `to`: the step-1 code SMS are left out (test/mobile-verification.test.ts has them). */
async function outbox(to: string, count = 1) {
  return eventually(async () => {
    const res = await sys.app.inject({ method: "GET", url: `/api/dev/outbox?to=${to}` });
    const rows = (res.json() as { text: string }[]).filter((r) => !r.text.startsWith(MOBILE_CODE_SMS));
    return rows.length >= count ? rows : undefined;
  });
}

async function track(nationalId: string, mobile: string) {
  const res = await sys.app.inject({
    method: "POST",
    url: "/api/registrations/tracking",
    payload: { nationalId, mobile },
  });
  assert.equal(res.statusCode, 200);
  return res.json() as { status: string; message: string };
}

async function login(nationalId: string, password: string) {
  return sys.app.inject({ method: "POST", url: "/api/login", payload: { nationalId, password } });
}

describe("registration outcomes", () => {
  test("an owned mobile activates the account with one welcome SMS (جناب آقای)", async () => {
    const res = await submit(ali);
    assert.equal(res.status, 202);
    assert.equal(res.body.message, SUBMITTED);
    assert.match(res.body.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(await settled(res.body.requestId), "active");
    const sms = await outbox(ali.mobile);
    assert.deepEqual(
      sms.map((m) => m.text),
      [activatedSms("جناب آقای", "علی رضایی")],
    );
    assert.equal((await track(ali.nationalId, ali.mobile)).status, "active");
    assert.equal((await login(ali.nationalId, PASSWORD)).statusCode, 200);
  });

  test("a woman is greeted with سرکار خانم; equal national ID and certificate number is accepted", async () => {
    const res = await submit(zahra);
    assert.equal(await settled(res.body.requestId), "active");
    assert.deepEqual(
      (await outbox(zahra.mobile)).map((m) => m.text),
      [activatedSms("سرکار خانم", "زهرا کریمی")],
    );
  });

  test("a mobile not owned by the person leaves the account awaiting branch activation", async () => {
    const res = await submit(mohammadreza);
    assert.equal(await settled(res.body.requestId), "awaiting_branch_activation");
    assert.deepEqual(
      (await outbox(mohammadreza.mobile)).map((m) => m.text),
      [branchSms("جناب آقای", "محمدرضا حسینی")],
    );
    assert.equal(
      (await track(mohammadreza.nationalId, mohammadreza.mobile)).status,
      "awaiting_branch_activation",
    );
    const denied = await login(mohammadreza.nationalId, PASSWORD);
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().status, "awaiting_branch_activation");
    assert.match(denied.json().title, /شعبه/);
  });

  test("data that differs from the civil registry ends as identity mismatch, and registering again is allowed", async () => {
    const wrong = await submit({ ...ali, birthDate: "1365/04/13" });
    assert.equal(await settled(wrong.body.requestId), "identity_mismatch");
    const row = await sys.db
      .selectFrom("registration_requests")
      .select(["mismatch_fields", "password_hash"])
      .executeTakeFirstOrThrow();
    assert.deepEqual(row.mismatch_fields, ["birthDate"]);
    assert.equal(row.password_hash, null, "secrets are dropped from a decided request");
    assert.deepEqual(
      (await outbox(ali.mobile)).map((m) => m.text),
      [MISMATCH_SMS],
    );
    assert.equal((await track(ali.nationalId, ali.mobile)).status, "identity_mismatch");
    assert.equal((await login(ali.nationalId, PASSWORD)).statusCode, 401);

    const again = await submit(ali);
    assert.equal(await settled(again.body.requestId), "active");
    assert.equal((await outbox(ali.mobile, 2)).length, 2);
  });

  test("a national ID the registry does not know is an identity mismatch", async () => {
    const res = await submit({ ...ali, nationalId: "0089123451", mobile: "09120000002" });
    assert.equal(await settled(res.body.requestId), "identity_mismatch");
    assert.deepEqual(
      (await outbox("09120000002")).map((m) => m.text),
      [MISMATCH_SMS],
    );
  });

  test("names match after Persian normalisation (ي/ی, ك/ک, spaces, ZWNJ)", async () => {
    const res = await submit(abdollah);
    assert.equal(await settled(res.body.requestId), "active");
  });

  test("Persian digits are accepted everywhere and stored in canonical form", async () => {
    const res = await submit({
      ...ali,
      nationalId: "۰۰۱۲۳۴۵۶۷۹",
      mobile: "+۹۸ ۹۱۲-۱۲۳-۴۵۶۷",
      birthCertificateNumber: "۱۲۳۴",
      birthDate: "۱۳۶۵/۴/۱۲",
    });
    assert.equal(res.status, 202);
    assert.equal(await settled(res.body.requestId), "active");
    const account = await sys.db.selectFrom("accounts").selectAll().executeTakeFirstOrThrow();
    assert.equal(account.national_id, "0012345679");
    assert.equal(account.mobile, "09121234567");
    assert.equal(account.birth_date, "1365/04/12");
  });
});

describe("validation", () => {
  test("invalid input answers 400 problem+json with one Persian message per field", async () => {
    const res = await submitRaw({
      nationalId: "0012345678",
      mobile: "0812",
      birthCertificateNumber: "0",
      birthDate: "1400/12/30",
      password: "abc",
      passwordConfirmation: "abd",
      securityAnswers: [{ questionId: "q1", answer: "x" }],
    });
    assert.equal(res.status, 400);
    assert.match(String(res.type), /^application\/problem\+json/);
    const byField = new Map(
      (res.body.errors as { field: string; code: string; message: string }[]).map((e) => [e.field, e]),
    );
    for (const field of [
      "nationalId",
      "mobile",
      "firstName",
      "lastName",
      "gender",
      "birthCertificateNumber",
      "birthDate",
      "email",
      "password",
      "passwordConfirmation",
      "mobileProof",
    ]) {
      assert.ok(byField.has(field), `an error for ${field}`);
      assert.match(byField.get(field)!.message, /[\u0600-\u06FF]/, `${field}: a Persian message`);
    }
    assert.equal(byField.get("nationalId")!.code, "nationalId.checksum");
    assert.equal(byField.get("birthCertificateNumber")!.code, "birthCertificateNumber.zero");
    assert.equal(await sys.db.selectFrom("registration_requests").select("id").executeTakeFirst(), undefined);
  });

  test("issue 14: the birth date as eight digits or with dashes is stored canonically; a Gregorian year is asked again in Shamsi", async () => {
    const res = await submit({ ...ali, birthDate: "۱۳۶۵۰۴۱۲" });
    assert.equal(res.status, 202);
    const request = await sys.db.selectFrom("registration_requests").select("birth_date").executeTakeFirst();
    assert.equal(request?.birth_date, "1365/04/12");
    for (const [birthDate, code] of [
      ["2000/01/01", "birthDate.gregorian"],
      ["19860703", "birthDate.gregorian"],
    ] as const) {
      const refused = await submitRaw({ ...ali, birthDate });
      const error = (refused.body.errors as { field: string; code: string; message: string }[]).find(
        (e) => e.field === "birthDate",
      );
      assert.equal(error?.code, code, birthDate);
      assert.equal(error?.message, "تاریخ را به شمسی وارد کنید؛ مثلاً ۱۳۶۵/۰۴/۱۲");
    }
  });

  test("issue 14: a security question not chosen asks to choose one", async () => {
    const answers = [{ questionId: "", answer: "پاسخ من" }, ...ali.securityAnswers.slice(1)];
    const res = await submitRaw({ ...ali, securityAnswers: answers });
    const error = (res.body.errors as { field: string; code: string; message: string }[]).find(
      (e) => e.field === "securityAnswers.0.questionId",
    );
    assert.equal(error?.code, "securityAnswers.questionRequired");
    assert.equal(error?.message, "یک پرسش امنیتی انتخاب کنید.");
  });

  test("each broken password rule has its own error", async () => {
    const res = await submit({ ...ali, password: "ali0012345679", passwordConfirmation: "ali0012345679" });
    const codes = (res.body.errors as { code: string }[]).map((e) => e.code).sort();
    // "ali" is his name: with the national ID taken out, nothing of his own is left.
    assert.deepEqual(codes, ["password.commonOrPersonal", "password.nationalId", "password.upper"]);
  });

  test("English messages on request", async () => {
    const res = await sys.app.inject({
      method: "POST",
      url: "/api/registrations",
      headers: { "accept-language": "en-US" },
      payload: { ...ali, nationalId: "123" },
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().errors[0].message, /[A-Za-z]/);
  });

  test("the security-question catalogue is Persian and has at least 8 questions", async () => {
    const res = await sys.app.inject({ method: "GET", url: "/api/security-questions" });
    const questions = res.json() as { id: string; text: string }[];
    assert.ok(questions.length >= 8);
    for (const q of questions) assert.match(q.text, /[\u0600-\u06FF]/);
  });
});

describe("the wizard's addresses", () => {
  test("each step has its own page address, /register/1 … /register/6; no seventh", async () => {
    for (const url of ["/register", "/register/1", "/register/4", "/register/6"]) {
      const res = await sys.app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers["content-type"]), /^text\/html/, url);
      assert.match(res.body, /<div id="app">/, url);
    }
    for (const url of ["/register/0", "/register/7", "/register/x"]) {
      const res = await sys.app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 404, url);
    }
  });
});

describe("tracking", () => {
  test("a pair with no request is not_found; the same national ID with another mobile too", async () => {
    const none = await track(ali.nationalId, ali.mobile);
    assert.equal(none.status, "not_found");
    assert.match(none.message, /یافت نشد/);
    const res = await submit(ali);
    await settled(res.body.requestId);
    assert.equal((await track(ali.nationalId, "09127777777")).status, "not_found");
    assert.equal(
      (await track("۰۰۱۲۳۴۵۶۷۹", "۹۱۲۱۲۳۴۵۶۷")).status,
      "active",
      "either digit set, any mobile form",
    );
  });

  test("an invalid national ID or mobile is a 400 naming each field", async () => {
    const res = await sys.app.inject({
      method: "POST",
      url: "/api/registrations/tracking",
      payload: { nationalId: "0012345678", mobile: "12" },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual((res.json().errors as { field: string }[]).map((e) => e.field).sort(), [
      "mobile",
      "nationalId",
    ]);
  });
});

describe("an existing account", () => {
  test("a second registration gets the same answer, creates nothing, changes no password, and tells the holder", async () => {
    const first = await submit(ali);
    assert.equal(await settled(first.body.requestId), "active");
    const stranger = {
      ...ali,
      mobile: "09199999999",
      password: "Stranger2027q",
      passwordConfirmation: "Stranger2027q",
    };
    const second = await submit(stranger);
    assert.equal(second.status, first.status);
    assert.deepEqual(Object.keys(second.body).sort(), Object.keys(first.body).sort());
    assert.equal(second.body.message, first.body.message);
    assert.equal(await settled(second.body.requestId), "duplicate");

    const holder = await outbox(ali.mobile, 2);
    assert.ok(
      holder.some((m) => m.text.includes("از پیش حساب کاربری دارید")),
      "the holder is told",
    );
    const toStranger = (
      await sys.app.inject({ method: "GET", url: "/api/dev/outbox?to=09199999999" })
    ).json();
    assert.deepEqual(
      toStranger.filter((m: { text: string }) => !m.text.startsWith(MOBILE_CODE_SMS)),
      [],
      "the stranger's number gets its step-1 code and nothing more",
    );
    assert.equal((await sys.db.selectFrom("accounts").select("id").execute()).length, 1);
    assert.equal((await login(ali.nationalId, "Stranger2027q")).statusCode, 401);
    assert.equal((await login(ali.nationalId, PASSWORD)).statusCode, 200);
    // To whoever holds only the stranger's pair, the request looks like one in review, then expired.
    assert.equal((await track(ali.nationalId, "09199999999")).status, "pending");
    sys.clock.advanceHours(48);
    assert.equal((await track(ali.nationalId, "09199999999")).status, "expired");
  });

  test("someone awaiting branch activation who registers again with an owned number is activated", async () => {
    const first = await submit({ ...ali, mobile: "09120000003" });
    assert.equal(await settled(first.body.requestId), "awaiting_branch_activation");
    const second = await submit(ali);
    assert.equal(await settled(second.body.requestId), "active");
    const account = await sys.db.selectFrom("accounts").selectAll().executeTakeFirstOrThrow();
    assert.equal(account.status, "active");
    assert.equal(account.mobile, ali.mobile);
  });
});

describe("durability", () => {
  test("a registry outage keeps the request pending; it completes when the registry is back", async () => {
    sys.registry.outage = true;
    const res = await submit(ali);
    await attemptsReach(res.body.requestId, 1);
    assert.equal(await statusOf(res.body.requestId), "pending");
    assert.equal((await track(ali.nationalId, ali.mobile)).status, "pending");

    // Still down at the next attempt: still pending, never a mismatch.
    sys.clock.advance(10 * 60_000);
    await sys.worker!.sweep();
    await attemptsReach(res.body.requestId, 2);
    assert.equal(await statusOf(res.body.requestId), "pending");

    sys.registry.outage = false;
    sys.clock.advance(10 * 60_000);
    await sys.worker!.sweep();
    assert.equal(await settled(res.body.requestId), "active");
    assert.equal((await outbox(ali.mobile)).length, 1);
  });

  test("a request with no outcome after 48 hours expires, and a new registration is then allowed", async () => {
    sys.registry.outage = true;
    const res = await submit(ali);
    await attemptsReach(res.body.requestId, 1);
    sys.clock.advanceHours(48);
    await sys.worker!.sweep();
    assert.equal(await statusOf(res.body.requestId), "expired");
    assert.equal((await track(ali.nationalId, ali.mobile)).status, "expired");
    // An expired request never gets a late outcome or SMS.
    sys.registry.outage = false;
    await verifyRegistration(sys.verify, res.body.requestId);
    assert.equal(await statusOf(res.body.requestId), "expired");

    const again = await submit(ali);
    assert.equal(await settled(again.body.requestId), "active");
    assert.equal((await outbox(ali.mobile)).length, 1);
  });

  test("re-running a verification or a send after it finished sends no second SMS", async () => {
    const res = await submit(ali);
    assert.equal(await settled(res.body.requestId), "active");
    await outbox(ali.mobile);
    await verifyRegistration(sys.verify, res.body.requestId);
    const outcomes = () =>
      sys.db.selectFrom("messages").select("id").where("template", "!=", "registration.mobileCode").execute();
    const [message] = await outcomes();
    await sys.db.updateTable("messages").set({ status: "queued" }).where("id", "=", message!.id).execute();
    await sendMessage(sys.courier, message!.id); // as if the worker died between delivery and bookkeeping
    assert.equal((await outcomes()).length, 1);
    assert.equal((await outbox(ali.mobile)).length, 1);
  });

  test("a lost verification job is handed out again by the sweeper", async () => {
    const res = await submit(ali);
    assert.equal(await settled(res.body.requestId), "active");
    // Simulate a job lost with its worker: the request is pending and its lease has run out.
    await sys.db.deleteFrom("accounts").execute();
    await sys.db.deleteFrom("messages").execute();
    await sys.db.deleteFrom("message_keys").execute();
    await sys.db.deleteFrom("outbox").execute();
    await sys.db
      .updateTable("registration_requests")
      .set({ status: "pending", password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y" })
      .execute();
    sys.clock.advance(2 * 60_000);
    await sys.worker!.sweep();
    assert.equal(await settled(res.body.requestId), "active");
    assert.equal((await outbox(ali.mobile)).length, 1);
  });
});
