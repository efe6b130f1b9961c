// Issue 21, item 7 in the browser: a registration refused for a mistyped birth date; the tracking page
// offers to show what differed, a code to the mobile proves its holder, «تاریخ تولد» is shown, and the
// new registration starts with the rest filled in and ends active, without a branch visit.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { ali } from "../helpers/people.ts";
import { mismatchCode, registerInProcess } from "../helpers/registration.ts";
import { eventually } from "../helpers/system.ts";
import {
  assertAccessible,
  assertFitsWidth,
  type Harness,
  registrationCode,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const NEXT = "form button[type=submit]";
const statusOf = (h: Harness) => async () =>
  (
    await h.sys.db
      .selectFrom("registration_requests")
      .select("status")
      .where("national_id", "=", ali.nationalId)
      .orderBy("created_at", "desc")
      .executeTakeFirst()
  )?.status;

describe("a mistyped birth date fixed without a branch visit", { skip: skipBrowser }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  test("tracking shows «تاریخ تولد» to the holder of the mobile, and the new registration is active", async () => {
    const typo = { ...ali, birthDate: "1365/04/21" };
    assert.equal((await registerInProcess(h.sys, typo)).statusCode, 202);
    await eventually(async () => ((await statusOf(h)()) === "identity_mismatch" ? true : undefined));

    const page = await h.newPage({ width: 360, height: 740 });
    await page.goto(`${h.base}/track`);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 15 });
    await page.click("#f-mobile");
    await page.keyboard.type(fa(ali.mobile), { delay: 15 });
    await page.click("button[type='submit']");
    await page.waitForSelector("#mismatch-look");
    await assertAccessible(page, "tracking, the mismatch offer");
    await page.click("#mismatch-look button:has-text('ارسال کد به شماره همراه')");
    await page.waitForSelector("#mismatch-look #f-code");
    const code = await eventually(() => mismatchCode(h.sys, ali.nationalId, ali.mobile));
    await page.click("#f-code");
    await page.keyboard.type(fa(code), { delay: 15 });
    await page.click("button:has-text('نمایش موارد مغایرت')");
    await page.waitForSelector("#mismatch-fields");
    assert.deepEqual(await page.locator("#mismatch-fields li").allTextContents(), ["تاریخ تولد"]);
    await assertAccessible(page, "tracking, the fields that differed");
    await assertFitsWidth(page, "tracking, the fields that differed");

    await page.click("#mismatch-fields button");
    await page.waitForURL(`${h.base}/register/1`);
    assert.equal(await page.inputValue("#f-nationalId"), fa(ali.nationalId));
    await page.click(NEXT);
    await page.waitForSelector("#f-code");
    const proof = await registrationCode(h.sys, ali.nationalId, ali.mobile);
    await page.click("#f-code");
    await page.keyboard.type(fa(proof), { delay: 15 });
    await page.click(NEXT);
    await page.waitForSelector("#f-birthDate");
    assert.equal(await page.inputValue("#f-lastName"), ali.lastName, "the rest is filled in");
    assert.equal(await page.inputValue("#f-birthDate"), "", "the field that differed is typed again");
    await page.click("#f-birthDate");
    await page.keyboard.type(fa(ali.birthDate), { delay: 15 });
    await page.click(NEXT);
    await page.waitForSelector("#f-email");
    assert.equal(await page.inputValue("#f-email"), ali.email);
    await page.click(NEXT);
    for (const [i, a] of ali.securityAnswers.entries()) {
      await page.selectOption(`#f-securityAnswers-${i}-questionId`, a.questionId);
      await page.click(`#f-securityAnswers-${i}-answer`);
      await page.keyboard.type(a.answer, { delay: 15 });
    }
    await page.click(NEXT);
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 15 });
    await page.click("#f-passwordConfirmation");
    await page.keyboard.type(ali.password, { delay: 15 });
    await page.click(NEXT);
    await page.click("button:has-text('تایید و ثبت درخواست ثبت نام')");
    await page.waitForSelector("#registration-success");
    const account = () =>
      h.sys.db
        .selectFrom("accounts")
        .select("status")
        .where("national_id", "=", ali.nationalId)
        .executeTakeFirst();
    assert.equal((await eventually(account))?.status, "active");
    await page.close();
  });
});
