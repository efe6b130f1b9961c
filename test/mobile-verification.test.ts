// R-REG step 1 and R-ABUSE: the registrant proves the mobile by a code before a registration is taken.
// Attempt limits hold under parallel bursts, the answer never says whether an account exists, and a
// registration without a live proof of its own national ID + mobile sends nothing anywhere.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { nationalIdCheckDigit } from "../src/domain/national-id.ts";
import { MOBILE_PROOF_LIMITS } from "../src/flows/registration/mobile-verification.ts";
import { createAccount, resetTables } from "./helpers/accounts.ts";
import { ali, mohammadreza, zahra } from "./helpers/people.ts";
import { injectCall, mobileCodeSms, proveMobile, requestMobileCode } from "./helpers/registration.ts";
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
  await sys.db.deleteFrom("mobile_verifications").execute();
});

const call = () => injectCall(sys);
async function post(url: string, payload: object) {
  const res = await sys.app.inject({ method: "POST", url, payload });
  return { status: res.statusCode, body: res.json(), type: res.headers["content-type"] };
}
const start = (nationalId: string, mobile: string) =>
  post("/api/registrations/mobile-verification", { nationalId, mobile });
const confirm = (id: string, code: string) =>
  post(`/api/registrations/mobile-verification/${id}/confirm`, { code });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

function randomNationalId(): string {
  const nine = String(Math.floor(Math.random() * 1e9)).padStart(9, "0");
  return `${nine}${nationalIdCheckDigit(nine)}`;
}

describe("the code", () => {
  test("202 {verificationId}; the SMS carries the code in the exact text; stored as HMAC, redacted once sent", async () => {
    const res = await start("۰۰۱۲۳۴۵۶۷۹", "0912 123 4567");
    assert.equal(res.status, 202);
    assert.deepEqual(Object.keys(res.body), ["verificationId"]);
    const { code } = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    const texts = (await sys.app.inject({ method: "GET", url: `/api/dev/outbox?to=${ali.mobile}` })).json();
    // The second code was sent (it voids the first).
    assert.ok(
      texts.some((t: { text: string }) => t.text === mobileCodeSms(code)),
      JSON.stringify(texts),
    );
    const rows = await sys.db.selectFrom("mobile_verifications").selectAll().execute();
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r) => r.national_id === ali.nationalId && r.mobile === ali.mobile));
    assert.ok(rows.every((r) => !r.code_hash.includes(code)));
    // The courier marks the message sent just after the gateway (here the outbox) took it. The first
    // code's message is sent too, or, when the second came before the courier took it, abandoned as
    // expired (a code replaced is never posted after the new one): either way, settled.
    const stored = await eventually(async () => {
      const rows = await sys.db.selectFrom("messages").select(["body", "status"]).execute();
      return rows.every((m) => m.status === "sent" || m.status === "abandoned") ? rows : undefined;
    });
    assert.ok(
      stored.some((m) => m.status === "sent"),
      "the second code's message is sent",
    );
    assert.ok(
      stored.every((m) => !/\d{6}/.test(m.body)),
      "no code left in messages",
    );
  });

  test("the same answer whether or not the national ID already has an account", async () => {
    await createAccount(sys, ali);
    const known = await start(ali.nationalId, "09127654321");
    const unknown = await start(mohammadreza.nationalId, "09127654322");
    assert.equal(known.status, unknown.status);
    assert.deepEqual(Object.keys(known.body), Object.keys(unknown.body));
    assert.equal(known.type, unknown.type);
    // Both numbers get their code, and the holder of the existing account is not told anything here.
    await requestMobileCode(call(), ali.nationalId, "09127654321");
    await requestMobileCode(call(), mohammadreza.nationalId, "09127654322");
    const toHolder = await sys.app.inject({ method: "GET", url: `/api/dev/outbox?to=${ali.mobile}` });
    assert.deepEqual(toHolder.json(), []);
  });

  test("step-1 rules: 400 problem+json naming each field, nothing sent", async () => {
    const res = await start("0012345678", "0812");
    assert.equal(res.status, 400);
    assert.match(String(res.type), /^application\/problem\+json/);
    const errors = res.body.errors as { field: string; code: string; message: string }[];
    assert.deepEqual(errors.map((e) => e.field).sort(), ["mobile", "nationalId"]);
    assert.equal(errors.find((e) => e.field === "nationalId")!.code, "nationalId.checksum");
    for (const e of errors) assert.match(e.message, /[\u0600-\u06FF]/);
    assert.deepEqual(await sys.db.selectFrom("messages").select("id").execute(), []);
  });

  test("a wrong code says how many tries are left; after 5 the code is dead, even the right one", async () => {
    const { verificationId, code } = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    for (let left = 4; left >= 1; left--) {
      const res = await confirm(verificationId, wrong(code));
      assert.equal(res.status, 400);
      assert.equal(res.body.code, "mobileVerification.wrongCode");
      assert.equal(res.body.attemptsLeft, left);
      assert.match(res.body.title, /کد تایید درست نیست/);
    }
    const fifth = await confirm(verificationId, wrong(code));
    assert.equal(fifth.status, 400);
    assert.equal(fifth.body.code, "mobileVerification.locked");
    assert.equal(fifth.body.attemptsLeft, 0);
    const right = await confirm(verificationId, code);
    assert.equal(right.status, 400);
    assert.equal(right.body.code, "mobileVerification.locked");
  });

  test("a burst of 35 parallel wrong codes spends the 5 tries; the right code after it fails", async () => {
    const { verificationId, code } = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    const burst = await Promise.all(Array.from({ length: 35 }, () => confirm(verificationId, wrong(code))));
    assert.ok(burst.every((r) => r.status === 400));
    assert.equal(burst.filter((r) => r.body.code === "mobileVerification.wrongCode").length, 4);
    const right = await confirm(verificationId, code);
    assert.equal(right.status, 400);
    assert.equal(right.body.code, "mobileVerification.locked");
    const row = await sys.db
      .selectFrom("mobile_verifications")
      .select(["attempts", "status"])
      .where("id", "=", verificationId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { attempts: 5, status: "dead" });
  });

  test("a burst mixing the right code among wrong ones yields at most one proof", async () => {
    const { verificationId, code } = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    const burst = await Promise.all(
      Array.from({ length: 30 }, (_, i) => confirm(verificationId, i % 10 === 0 ? code : wrong(code))),
    );
    assert.ok(burst.filter((r) => r.status === 200).length <= 1);
  });

  test("single use, and valid CODE_VALIDITY_MINUTES only; a new code voids the previous one", async () => {
    const first = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    assert.equal((await confirm(first.verificationId, first.code)).status, 200);
    const again = await confirm(first.verificationId, first.code);
    assert.equal(again.status, 400);
    assert.equal(again.body.code, "mobileVerification.invalid");

    const late = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    sys.clock.advance(5 * 60_000 + 1);
    const expired = await confirm(late.verificationId, late.code);
    assert.equal(expired.status, 400);
    assert.equal(expired.body.code, "mobileVerification.expired");

    const older = await requestMobileCode(call(), ali.nationalId, ali.mobile);
    await requestMobileCode(call(), ali.nationalId, ali.mobile);
    assert.equal((await confirm(older.verificationId, older.code)).status, 400);
  });
});

describe("limits per target (429)", () => {
  test(`one mobile: ${MOBILE_PROOF_LIMITS.perTargetPerHour} codes an hour, ${MOBILE_PROOF_LIMITS.perTargetPerDay} a day, whatever the national ID`, async () => {
    for (let i = 0; i < 5; i++) assert.equal((await start(randomNationalId(), ali.mobile)).status, 202);
    const sixth = await start(randomNationalId(), ali.mobile);
    assert.equal(sixth.status, 429);
    assert.match(sixth.body.title, /[\u0600-\u06FF]/);
    sys.clock.advanceHours(1);
    for (let i = 0; i < 5; i++) assert.equal((await start(randomNationalId(), ali.mobile)).status, 202);
    sys.clock.advanceHours(1);
    assert.equal((await start(randomNationalId(), ali.mobile)).status, 429, "ten a day");
    assert.equal(
      (await start(randomNationalId(), zahra.mobile)).status,
      202,
      "another number is not held up",
    );
  });

  test("one national ID: the same limits across mobiles; a parallel burst gets no more", async () => {
    const mobiles = Array.from({ length: 20 }, (_, i) => `0912${String(3000000 + i)}`);
    const burst = await Promise.all(mobiles.map((m) => start(ali.nationalId, m)));
    assert.equal(burst.filter((r) => r.status === 202).length, 5);
    assert.equal(burst.filter((r) => r.status === 429).length, 15);
    // From another address: this one's 20 codes in the hour now ask it for a challenge (R-ABUSE).
    const other = await sys.app.inject({
      method: "POST",
      url: "/api/registrations/mobile-verification",
      payload: { nationalId: zahra.nationalId, mobile: "09124000000" },
      remoteAddress: "203.0.113.9",
    });
    assert.equal(other.statusCode, 202);
    const sameAddress = await start(zahra.nationalId, "09124000001");
    assert.equal(sameAddress.status, 429);
    assert.equal(sameAddress.body.code, "challenge_required");
  });
});

describe("POST /api/registrations needs the proof of its pair", () => {
  const body = () => ({ ...mohammadreza });

  test("missing or made up: 400 naming mobileProof; nothing stored, nothing sent", async () => {
    for (const mobileProof of [undefined, "", "x".repeat(43)]) {
      const res = await post("/api/registrations", {
        ...body(),
        ...(mobileProof === undefined ? {} : { mobileProof }),
      });
      assert.equal(res.status, 400);
      const e = (res.body.errors as { field: string; code: string; message: string }[]).find(
        (x) => x.field === "mobileProof",
      );
      assert.ok(e, "an error for mobileProof");
      assert.equal(e.code, mobileProof ? "mobileProof.invalid" : "mobileProof.required");
      assert.match(e.message, /[\u0600-\u06FF]/);
    }
    assert.deepEqual(await sys.db.selectFrom("registration_requests").select("id").execute(), []);
    assert.deepEqual(await sys.db.selectFrom("messages").select("id").execute(), []);
  });

  test("no SMS to any number: registrations of random people without a proof send nothing", async () => {
    for (let i = 0; i < 20; i++) {
      const res = await post("/api/registrations", {
        ...body(),
        nationalId: randomNationalId(),
        mobile: `0935${String(1000000 + i)}`,
      });
      assert.equal(res.status, 400);
    }
    await sys.worker!.sweep();
    assert.deepEqual(await sys.db.selectFrom("messages").select("id").execute(), []);
    assert.deepEqual(await sys.db.selectFrom("registration_requests").select("id").execute(), []);
  });

  test("a proof serves only its own national ID + mobile", async () => {
    const proof = await proveMobile(call(), mohammadreza.nationalId, mohammadreza.mobile);
    for (const other of [{ mobile: "09120000009" }, { nationalId: ali.nationalId }]) {
      const res = await post("/api/registrations", { ...body(), ...other, mobileProof: proof });
      assert.equal(res.status, 400);
      assert.deepEqual(
        (res.body.errors as { field: string; code: string }[]).map((e) => [e.field, e.code]),
        [["mobileProof", "mobileProof.invalid"]],
      );
    }
    assert.equal((await post("/api/registrations", { ...body(), mobileProof: proof })).status, 202);
  });

  test("a 400 at step 6 keeps the proof; an accepted registration spends it; 30 minutes at most", async () => {
    const proof = await proveMobile(call(), mohammadreza.nationalId, mohammadreza.mobile);
    const refused = await post("/api/registrations", { ...body(), email: "x", mobileProof: proof });
    assert.equal(refused.status, 400);
    assert.deepEqual(
      (refused.body.errors as { field: string }[]).map((e) => e.field),
      ["email"],
    );
    const accepted = await post("/api/registrations", { ...body(), mobileProof: proof });
    assert.equal(accepted.status, 202);
    const reused = await post("/api/registrations", { ...body(), mobileProof: proof });
    assert.equal(reused.status, 400);
    assert.equal(reused.body.errors[0].field, "mobileProof");

    const later = await proveMobile(call(), mohammadreza.nationalId, mohammadreza.mobile);
    sys.clock.advance(MOBILE_PROOF_LIMITS.proofMinutes * 60_000);
    const stale = await post("/api/registrations", { ...body(), mobileProof: later });
    assert.equal(stale.status, 400);
    assert.equal(stale.body.errors[0].code, "mobileProof.invalid");
  });

  test("parallel submissions with one proof: exactly one registration is taken", async () => {
    const proof = await proveMobile(call(), mohammadreza.nationalId, mohammadreza.mobile);
    const burst = await Promise.all(
      Array.from({ length: 8 }, () => post("/api/registrations", { ...body(), mobileProof: proof })),
    );
    assert.equal(burst.filter((r) => r.status === 202).length, 1);
    assert.equal((await sys.db.selectFrom("registration_requests").select("id").execute()).length, 1);
  });
});
