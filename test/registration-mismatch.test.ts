// Issue 21, item 7: after an identity mismatch, the holder of the proved mobile sees which fields
// differed from the civil registry, never the registry's values; a stranger learns nothing; at most
// three looks a day per national ID, each a security event.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { MISMATCH_LIMITS } from "../src/flows/tracking/mismatch.ts";
import { outboxNow, resetTables } from "./helpers/accounts.ts";
import { ali, zahra } from "./helpers/people.ts";
import { injectCall, mismatchCode, submitProved } from "./helpers/registration.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

const LOOK_SMS = "کد مشاهدهٔ موارد مغایرت ثبت نام شما در سامانه مدیریت کاربران:";
let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetTables(sys);
  await sys.db.deleteFrom("mismatch_looks").execute();
});

async function post(url: string, payload: object) {
  const res = await sys.app.inject({ method: "POST", url, payload });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, raw: res.body };
}
const lookCodes = async (mobile: string) =>
  (await outboxNow(sys, mobile)).filter((t) => t.startsWith(LOOK_SMS)).map((t) => t.match(/\d{6}/)![0]);
/** Starts a look and returns the code that reached `mobile` (undefined when none was sent). */
async function start(nationalId: string, mobile: string) {
  const res = await post("/api/registrations/mismatch", { nationalId, mobile });
  assert.equal(res.status, 202);
  return mismatchCode(sys, nationalId, mobile);
}
const verify = (nationalId: string, mobile: string, code: string) =>
  post("/api/registrations/mismatch/verify", { nationalId, mobile, code });

async function registerWithTypo() {
  const typo = { ...ali, birthDate: "1365/04/13", lastName: "رضائی‌پور" };
  const res = await submitProved(injectCall(sys), typo);
  assert.equal(res.status, 202, JSON.stringify(res.json));
  await eventually(async () => {
    const row = await sys.db
      .selectFrom("registration_requests")
      .select("status")
      .where("national_id", "=", ali.nationalId)
      .executeTakeFirst();
    return row?.status === "identity_mismatch" ? true : undefined;
  });
}

describe("which fields differed, after an identity mismatch", () => {
  test("the holder of the mobile sees the fields' names, never the registry's values", async () => {
    await registerWithTypo();
    const code = await start(ali.nationalId, ali.mobile);
    assert.ok(code, "a code reached the mobile of the mismatched request");
    const wrong = await verify(ali.nationalId, ali.mobile, code === "000000" ? "111111" : "000000");
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.attemptsLeft, 4);
    const seen = await verify(ali.nationalId, ali.mobile, code);
    assert.equal(seen.status, 200, seen.raw);
    assert.deepEqual(seen.body.fields, ["lastName", "birthDate"]);
    // What the person typed comes back to fill the new registration; the registry's never does.
    assert.equal(seen.body.filled.birthDate, "1365/04/13");
    assert.ok(!seen.raw.includes(ali.birthDate) && !seen.raw.includes(ali.lastName), seen.raw);
    const events = await sys.db
      .selectFrom("security_events")
      .select("type")
      .where("national_id", "=", ali.nationalId)
      .execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ["registration.mismatchViewed"],
    );
    // A code serves one look.
    assert.equal((await verify(ali.nationalId, ali.mobile, code)).status, 400);
  });

  test("a stranger learns nothing: the same 202, no SMS, no code that works", async () => {
    await registerWithTypo();
    // Another mobile with the same national ID, and a pair that never registered.
    assert.equal(await start(ali.nationalId, zahra.mobile), undefined);
    assert.equal(await start(zahra.nationalId, zahra.mobile), undefined);
    const guessed = await verify(ali.nationalId, zahra.mobile, "123456");
    assert.equal(guessed.status, 400);
    assert.equal(guessed.body.attemptsLeft, 4);
    assert.deepEqual(await lookCodes(ali.mobile), [], "the holder's phone got nothing");
    // A pair whose latest request is active: nothing either.
    const res = await submitProved(injectCall(sys), zahra);
    assert.equal(res.status, 202);
    await eventually(async () =>
      (await sys.db
        .selectFrom("accounts")
        .select("id")
        .where("national_id", "=", zahra.nationalId)
        .executeTakeFirst())
        ? true
        : undefined,
    );
    assert.equal(await start(zahra.nationalId, zahra.mobile), undefined);
  });

  test("three looks a day per national ID; a burst of the right code gets one look", async () => {
    await registerWithTypo();
    const code = (await start(ali.nationalId, ali.mobile))!;
    const burst = await Promise.all(
      Array.from({ length: 10 }, () => verify(ali.nationalId, ali.mobile, code)),
    );
    assert.equal(burst.filter((r) => r.status === 200).length, 1, burst.map((r) => r.status).join());
    for (let i = 1; i < MISMATCH_LIMITS.looksPerDay; i++) {
      const next = (await start(ali.nationalId, ali.mobile))!;
      const r = await verify(ali.nationalId, ali.mobile, next);
      assert.equal(r.status, 200, `${i} ${next} ${r.raw}`);
    }
    assert.equal(await start(ali.nationalId, ali.mobile), undefined, "no fourth code today");
    sys.clock.advance(24 * 3_600_000 + 1000);
    const tomorrow = await start(ali.nationalId, ali.mobile);
    assert.ok(tomorrow);
    assert.equal((await verify(ali.nationalId, ali.mobile, tomorrow)).status, 200);
  });
});
