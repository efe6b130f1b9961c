// The branch console in Chromium: an operator signs in with password and TOTP (enrolling at the
// first sign-in; the test computes the code from the secret shown), finds a person awaiting branch
// activation, ticks both originals, corrects the mobile with the code sent to it, and the person then
// signs in. An admin's pages too. axe runs on every console page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { totpCode } from "../../src/platform/totp.ts";
import { latestCode } from "../helpers/accounts.ts";
import { mohammadreza } from "../helpers/people.ts";
import { registerInProcess } from "../helpers/registration.ts";
import { createBranch, createMember, firstPasswordCode, givePasskey, type Member } from "../helpers/staff.ts";
import { eventually } from "../helpers/system.ts";
import {
  assertAccessible,
  assertFitsWidth,
  completeSignIn,
  type Harness,
  outboxBefore,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const NEW_MOBILE = "09120000003";

/** The error box says each message once. */
async function assertOneMessageEach(page: Page) {
  const messages = await page.locator(".error-summary li").allTextContents();
  assert.ok(messages.length > 0);
  assert.deepEqual(messages, [...new Set(messages)], "a message listed twice");
}

async function signInWithTotp(h: Harness, page: Page, member: Member, label: string) {
  h.sys.clock.advance(30_000);
  await page.goto(`${h.base}/staff`);
  await page.waitForSelector("#f-username");
  await assertAccessible(page, `${label}: staff sign-in`);
  // An error first, then the fields typed key by key: every key stays.
  await page.click("button:has-text('ادامه')");
  await page.waitForSelector(".error-summary");
  await assertOneMessageEach(page);
  await page.click("#f-username");
  await page.keyboard.type(member.username, { delay: 15 });
  await page.click("#f-password");
  await page.keyboard.type(member.password, { delay: 15 });
  assert.equal(await page.inputValue("#f-username"), member.username);
  assert.equal(await page.inputValue("#f-password"), member.password);
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
    // A wrong ID first, then the right one typed key by key in Latin digits over the error.
    await page.click("#f-nationalId");
    await page.keyboard.type("00123", { delay: 15 });
    await page.click("button:has-text('جستجو')");
    await page.waitForSelector("#f-nationalId-error");
    await assertOneMessageEach(page);
    await page.fill("#f-nationalId", "");
    await page.click("#f-nationalId");
    await page.keyboard.type(mohammadreza.nationalId, { delay: 15 });
    assert.equal(await page.inputValue("#f-nationalId"), mohammadreza.nationalId);
    await page.click("button:has-text('جستجو')");
    await page.waitForSelector("#person-result");
    assert.match((await page.locator("#person-result").textContent()) ?? "", /در انتظار فعال سازی در شعبه/);
    await assertAccessible(page, "person found");

    // The console's own footer, without the citizens' links.
    assert.equal(await page.locator("footer a").count(), 0);
    assert.match(await page.locator("#staff-footer").innerText(), /پیشخوان شعبه/);
    // The branch code is isolated and stays on one line, even on a phone.
    assert.equal(await page.locator("#staff-branch-code bdi").innerText(), "TEH-12");
    for (const width of [360, 320]) {
      await page.setViewportSize({ width, height: 740 });
      // Bidi may cut the span into pieces on one line; its pieces must share one line box.
      const lines = await page
        .locator("#staff-branch-code")
        .evaluate((el) => new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size);
      assert.equal(lines, 1, `"(TEH-12)" on one line at ${width} px`);
      assert.equal(await page.locator("#staff-branch-code").innerText(), "(TEH-12)");
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.click("button:has-text('فعال سازی حساب')");
    await page.waitForSelector(".error-summary");
    await assertOneMessageEach(page);
    assert.equal(await page.locator(".error-summary li").count(), 1, "both originals: one message");
    await assertAccessible(page, "activation without the documents");
    await page.check("#f-nationalCardSeen");
    // After the error, a wrong number typed key by key is refused, then corrected key by key.
    await page.click("#f-mobile");
    await page.keyboard.type(fa("0912"), { delay: 15 });
    await page.click("button:has-text('فعال سازی حساب')");
    await page.waitForSelector("#f-mobile-error");
    await assertOneMessageEach(page);
    await page.fill("#f-mobile", "");
    await page.click("#f-mobile");
    await page.keyboard.type(fa(NEW_MOBILE), { delay: 15 });
    assert.equal(await page.inputValue("#f-mobile"), fa(NEW_MOBILE));
    await page.check("#f-birthCertificateSeen");
    await page.click("button:has-text('فعال سازی حساب')");
    await page.waitForSelector("text=کد احراز هویت به شمارهٔ");
    const sentTo = page.locator("#person-result p:has-text('کد احراز هویت به شمارهٔ') bdi");
    assert.match(await sentTo.innerText(), /^[۰-۹]{4}.+[۰-۹]{3,4}$/, "the number isolated in the sentence");
    await assertAccessible(page, "activation code");
    // A wrong code, then the right one typed key by key.
    const code = await latestCode(h.sys, NEW_MOBILE);
    await page.click("#f-code");
    await page.keyboard.type(code === "000000" ? "111111" : "000000", { delay: 15 });
    await page.click("button:has-text('تایید کد')");
    await page.waitForSelector("#f-code-error");
    await assertOneMessageEach(page);
    await page.fill("#f-code", "");
    await page.click("#f-code");
    await page.keyboard.type(fa(code), { delay: 15 });
    assert.equal(await page.inputValue("#f-code"), fa(code));
    await page.click("button:has-text('تایید کد')");
    // A confirmation that stays, with the focus on it, and the history refreshed.
    await page.waitForSelector("#activation-done");
    assert.match(await page.locator("#activation-done").innerText(), /حساب کاربری فعال شد/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "activation-done");
    await page.waitForSelector("#person-result >> text=حساب کاربری فعال است");
    const history = await page.locator("#person-result").innerText();
    assert.ok(!history.includes("در انتظار فعال سازی در شعبه"), history);
    assert.match(history, /حساب کاربری فعال است/);
    await assertAccessible(page, "activated");
    await page.close();
  });

  test("the person sets the password on the phone with the SMS code, signs in, is asked for questions first", async () => {
    const page = await h.newPage({ width: 360, height: 740 });
    // Issue 21: the password chosen at registration is refused, and the page leads to the first one.
    await page.goto(`${h.base}/login`);
    assert.equal(
      await page.locator("main a[href='/first-password']").count(),
      1,
      "linked from the login page",
    );
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(mohammadreza.nationalId), { delay: 15 });
    await page.click("#f-password");
    await page.keyboard.type(mohammadreza.password, { delay: 15 });
    await page.click("button:has-text('ورود')");
    await page.waitForSelector("#login-first-password");
    await assertAccessible(page, "login refused, with the first-password hint");
    await page.click("#login-first-password a");
    await page.waitForURL(`${h.base}/first-password`);
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
    const sent = await outboxBefore(h.sys, mohammadreza.nationalId);
    await page.click("button:has-text('ورود')");
    await completeSignIn(page, h.sys, mohammadreza.nationalId, sent);
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
    // An administrator without a passkey is held at its enrolment (R-MFA; staff-passkeys.test.ts makes
    // one with a virtual authenticator): here the admin is given one to go on to the admin pages.
    await page.waitForSelector("#f-name");
    await assertAccessible(page, "admin passkey enrolment");
    await givePasskey(h.sys, admin.id);
    await page.reload();
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
