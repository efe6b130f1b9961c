// The branch console in Chromium: an operator signs in with password and TOTP (enrolling at the
// first sign-in; the test computes the code from the secret shown), finds a person awaiting branch
// activation, ticks both originals, corrects the mobile with the code sent to it, and the person then
// signs in. An admin's pages too. axe runs on every console page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { totpCode } from "../../src/flows/staff/totp.ts";
import { latestCode } from "../helpers/accounts.ts";
import { mohammadreza } from "../helpers/people.ts";
import { registerInProcess } from "../helpers/registration.ts";
import { createBranch, createMember, firstPasswordCode, type Member } from "../helpers/staff.ts";
import { eventually } from "../helpers/system.ts";
import { assertAccessible, assertFitsWidth, type Harness, skipBrowser, startHarness } from "./browser.ts";

const NEW_MOBILE = "09120000003";

async function signInWithTotp(h: Harness, page: Page, member: Member, label: string) {
  h.sys.clock.advance(30_000);
  await page.goto(`${h.base}/staff`);
  await page.waitForSelector("#f-username");
  await assertAccessible(page, `${label}: staff sign-in`);
  await page.fill("#f-username", member.username);
  await page.fill("#f-password", member.password);
  await page.click("button:has-text('ادامه')");
  await page.waitForSelector("#f-code");
  const secret = ((await page.locator("#totp-secret").textContent()) ?? "").trim();
  assert.match(secret, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  assert.match((await page.locator("#totp-uri").textContent()) ?? "", /^otpauth:\/\/totp\/Hoviat%3A/);
  // The QR code is drawn (a decoded image, not a broken one) for the authenticator to scan.
  assert.ok(
    await page.locator("#totp-qr").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0),
  );
  await assertAccessible(page, `${label}: TOTP enrolment`);
  await page.fill("#f-code", fa(totpCode(secret.replaceAll(" ", ""), h.sys.clock.now())));
  await page.click("button:has-text('ورود')");
  // The one-time password an admin handed over is replaced before anything else.
  await page.waitForSelector("#f-currentPassword");
  await assertAccessible(page, `${label}: new password`);
  await page.fill("#f-currentPassword", member.password);
  member.password = "Shoebeh2026x";
  await page.fill("#f-password", member.password);
  await page.fill("#f-passwordConfirmation", member.password);
  await page.click("button:has-text('ثبت گذرواژهٔ تازه')");
}

describe("the branch console in the browser", { skip: skipBrowser }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  test("an operator signs in with TOTP, finds the person and activates him on the spot", async () => {
    const branch = await createBranch(h.sys, "TEH-12");
    const operator = await createMember(h.sys, "op1", "branch_operator", branch);
    const reg = await registerInProcess(h.sys, mohammadreza);
    assert.equal(reg.statusCode, 202);
    await eventually(async () => {
      const a = await h.sys.db.selectFrom("accounts").select("status").executeTakeFirst();
      return a?.status === "awaiting_branch_activation" ? true : undefined;
    });

    const page = await h.newPage({ width: 1280, height: 900 });
    await signInWithTotp(h, page, operator, "operator");
    await page.waitForSelector("text=جستجوی فرد با کد ملی");
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    await assertAccessible(page, "find person");
    await page.fill("#f-nationalId", fa(mohammadreza.nationalId));
    await page.click("button:has-text('جستجو')");
    await page.waitForSelector("#person-result");
    assert.match((await page.locator("#person-result").textContent()) ?? "", /در انتظار فعال سازی در شعبه/);
    await assertAccessible(page, "person found");

    await page.click("button:has-text('فعال سازی حساب')");
    await page.waitForSelector(".error-summary");
    await assertAccessible(page, "activation without the documents");
    await page.check("#f-nationalCardSeen");
    await page.check("#f-birthCertificateSeen");
    await page.fill("#f-mobile", fa(NEW_MOBILE));
    await page.click("button:has-text('فعال سازی حساب')");
    await page.waitForSelector("text=کد احراز هویت به شمارهٔ");
    await assertAccessible(page, "activation code");
    await page.fill("#f-code", await latestCode(h.sys, NEW_MOBILE));
    await page.click("button:has-text('تایید کد')");
    await page.waitForSelector("#activation-done");
    await page.waitForSelector("#person-result >> text=فعال");
    await assertAccessible(page, "activated");
    await page.close();
  });

  test("the person sets the password on the phone with the SMS code, signs in, is asked for questions first", async () => {
    const page = await h.newPage({ width: 360, height: 740 });
    await page.goto(`${h.base}/first-password`);
    await assertAccessible(page, "first password");
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(mohammadreza.nationalId), { delay: 15 });
    await page.click("#f-code");
    await page.keyboard.type(fa(await firstPasswordCode(h.sys, mohammadreza.nationalId)), { delay: 15 });
    await page.click("#f-password");
    await page.keyboard.type(mohammadreza.password, { delay: 15 });
    await page.click("#f-passwordConfirmation");
    await page.keyboard.type(mohammadreza.password, { delay: 15 });
    await page.click("button:has-text('ثبت گذرواژه')");
    await page.waitForSelector("#first-password-done");
    await page.goto(`${h.base}/login`);
    await page.fill("#f-nationalId", fa(mohammadreza.nationalId));
    await page.fill("#f-password", mohammadreza.password);
    await page.click("button:has-text('ورود')");
    await page.waitForSelector("text=محمدرضا حسینی، خوش آمدید");
    await page.waitForSelector("#questions-first");
    await page.waitForSelector("#security-events >> text=حساب کاربری در شعبه فعال شد");
    await assertAccessible(page, "account with security events");
    await assertFitsWidth(page, "account at 360 px");
    await page.close();
  });

  test("an admin's pages: figures, staff and branches, the audit trail", async () => {
    const admin = await createMember(h.sys, "admin1", "admin");
    const page = await h.newPage({ width: 1280, height: 900 });
    await signInWithTotp(h, page, admin, "admin");
    await page.waitForSelector("text=صف‌های کار");
    await assertAccessible(page, "admin figures");
    await page.click("a:has-text('کارکنان و شعب')");
    await page.waitForSelector("text=op1");
    await assertAccessible(page, "staff and branches");
    await page.click("a:has-text('گزارش رویدادها')");
    await page.waitForSelector("#audit-list >> text=فعال سازی حساب در شعبه");
    await assertAccessible(page, "audit trail");
    await page.fill("#f-nationalId", fa(mohammadreza.nationalId));
    await page.fill("#f-actor", "op1");
    await page.click("button:has-text('جستجو در رویدادها')");
    const expected = await h.sys.db
      .selectFrom("audit_log")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("actor_username", "=", "op1")
      .where("target_national_id", "=", mohammadreza.nationalId)
      .executeTakeFirstOrThrow();
    assert.ok(expected.n >= 4);
    await page.waitForSelector(`#audit-results >> text=${fa(expected.n)} رویداد`);
    await page.close();
  });
});
