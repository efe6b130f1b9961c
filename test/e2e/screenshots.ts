// `npm run screenshots`: every page at phone (360 px) and desktop (1280 px) width, into
// docs/screenshots/. Runs its own test system, as the browser tests do.
import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { latestCode } from "../helpers/accounts.ts";
import { ali, mohammadreza, zahra } from "../helpers/people.ts";
import {
  completeSignIn,
  fillRegistration,
  outboxBefore,
  proveMobileInWizard,
  startHarness,
} from "./browser.ts";

const OUT = "docs/screenshots";
mkdirSync(OUT, { recursive: true });
const h = await startHarness();
const shoot = (page: Page, name: string, width: number) =>
  page.screenshot({ path: `${OUT}/${name}-${width}.png`, fullPage: true, animations: "disabled" });

/** The change pages of the account: password, email, mobile (code step and a branch wait), questions. */
async function accountPages(page: Page, width: number) {
  const open = async (path: string) => {
    await page.goto(`${h.base}${path}`);
    await page.waitForSelector("h1");
    await page.evaluate(() => document.fonts.ready);
  };
  await open("/account/password");
  await page.fill("#f-password", "abcd1");
  await shoot(page, "account-password", width);
  await open("/account/email");
  await page.click("button:has-text('ارسال کد احراز هویت')");
  await shoot(page, "account-email-errors", width);
  await open("/account/mobile");
  await page.waitForSelector("#contact-current");
  await shoot(page, "account-mobile", width);
  const mobile = width === 360 ? "09351112233" : "09351112244";
  await page.fill("#f-mobile", fa(mobile));
  await page.fill("#f-currentPassword", ali.password);
  await page.click("button:has-text('ارسال کد احراز هویت')");
  await page.waitForSelector("#f-code");
  await shoot(page, "account-mobile-code", width);
  await page.fill("#f-code", await latestCode(h.sys, mobile));
  await page.click("button:has-text('تایید کد')");
  await page.waitForSelector("#contact-result");
  await shoot(page, "account-mobile-pending", width);
  h.sys.clock.advance(61_000); // the next code for this account is allowed after a minute
  await open("/account/security-questions");
  await page.waitForSelector("#f-securityAnswers-0-questionId option[value='q4']", { state: "attached" });
  await shoot(page, "account-questions", width);
}

try {
  // The account page needs an active account: register, wait for the outcome, sign in.
  const page = await h.newPage({ width: 1280, height: 900 });
  await page.goto(`${h.base}/register`);
  await fillRegistration(page, h.sys, ali);
  await page.click("button:has-text('تایید و ثبت درخواست ثبت نام')");
  await page.waitForSelector("#registration-success");
  await shoot(page, "register-done", 1280);
  await new Promise((r) => setTimeout(r, 1500));
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${h.base}/login`);
    await page.fill("#f-nationalId", ali.nationalId);
    await page.fill("#f-password", ali.password);
    const before = await outboxBefore(h.sys, ali.nationalId);
    await page.click("button:has-text('ورود')");
    // The second step (R-MFA): its SMS code field, then the account page.
    if (
      (await page
        .waitForSelector("#profile-title, #second-factor #f-code")
        .then((e) => e.getAttribute("id"))) === "f-code"
    ) {
      await page.evaluate(() => document.fonts.ready);
      await shoot(page, "login-second-factor", width);
    }
    await completeSignIn(page, h.sys, ali.nationalId, before);
    await page.waitForSelector("#sessions");
    await shoot(page, "account", width);
    await accountPages(page, width);
  }
  for (const width of [360, 1280]) {
    const page = await h.newPage({ width, height: width === 360 ? 740 : 900 });
    const go = async (path: string) => {
      await page.goto(`${h.base}${path}`);
      await page.waitForSelector("h1");
      await page.evaluate(() => document.fonts.ready);
    };
    await go("/");
    await shoot(page, "home", width);
    await go("/register");
    await page.click("button:has-text('مرحله بعد')");
    await shoot(page, "register-errors", width);
    await go("/register");
    await fillRegistration(page, h.sys, {
      ...ali,
      nationalId: width === 360 ? ali.nationalId : "0045678911",
    });
    await shoot(page, "register-review", width);
    await page.click("button:has-text('مرحله قبل')");
    await page.fill("#f-password", "abcd1");
    await shoot(page, "register-password", width);
    // Step 2 comes after the mobile is proved: someone not yet registered, a minute after the last code.
    // A new registration, as after «انصراف»: the draft of the one above would be restored otherwise.
    await page.evaluate(() => sessionStorage.clear());
    await go("/register");
    h.sys.clock.advance(61_000);
    await proveMobileInWizard(page, h.sys, width === 360 ? zahra : mohammadreza);
    await page.click("button:has-text('مرحله بعد')");
    await page.waitForSelector("#f-lastName");
    await page.click("button:has-text('انتخاب از تقویم')");
    await shoot(page, "register-birth-certificate", width);
    await go("/track");
    await page.fill("#f-nationalId", fa(ali.nationalId));
    await page.fill("#f-mobile", fa(ali.mobile));
    await page.click("button:has-text('ثبت درخواست پیگیری')");
    await page.waitForSelector("#track-result");
    await shoot(page, "track", width);
    await go("/login");
    await shoot(page, "login", width);
    await go("/recover");
    await shoot(page, "recover", width);
    // The code step after a wrong code: the tries left, and «ارسال دوباره» counting down.
    h.sys.clock.advance(61_000);
    await page.fill("#f-nationalId", fa(ali.nationalId));
    await page.check("#f-method-sms");
    await page.click("button[type='submit']");
    await page.waitForSelector("#f-code");
    await page.fill("#f-code", fa("000000"));
    await page.click("button[type='submit']");
    await page.waitForSelector("#f-code-error");
    await shoot(page, "recover-code", width);
    await go("/dev/outbox");
    await page.waitForSelector(".outbox__item");
    await shoot(page, "outbox", width);
    await page.context().close();
  }
} finally {
  await h.close();
}
