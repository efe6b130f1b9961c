// Issue 19: the login's second step on a 360 px phone, against the real server: the password, then
// the SMS code read from the dev outbox and typed key by key; a wrong code says how many tries are
// left; «ارسال دوباره» counts down and comes back by itself; a reload (or a deep link into the
// account) comes back to the step; «این مرورگر را به خاطر بسپار» skips it at the next sign-in until
// the browser is forgotten on the account page. axe on every state.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa, toLatinDigits } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { createAccount, outboxNow, signInCode } from "../helpers/accounts.ts";
import { ali } from "../helpers/people.ts";
import { clearThrottles } from "../helpers/system.ts";
import { assertAccessible, assertFitsWidth, type Harness, skipBrowser, startHarness } from "./browser.ts";

const PHONE = { width: 360, height: 740 };
const ui = (key: string, params?: Record<string, string | number>) => t("fa", `ui.${key}`, params);
const SUBMIT = "#second-factor form button[type='submit']";
const RESEND = "#sms-resend button";

describe("the login's second step on a 360 px phone", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;

  const password = async () => {
    await page.goto(`${h.base}/login`);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 15 });
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 15 });
    await page.click(`form button:has-text('${ui("login.submit")}')`);
  };
  /** The password, then the code of the SMS this sign-in sent. */
  const secondStep = async () => {
    const before = await outboxNow(h.sys, ali.mobile);
    await password();
    await page.waitForSelector("#second-factor #f-code");
    return signInCode(h.sys, ali.mobile, before);
  };
  const typeCode = async (code: string) => {
    await page.click("#f-code");
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(code, { delay: 40 });
  };
  const signOut = async () => {
    await page.click(`button:has-text('${ui("account.logout")}')`);
    await page.waitForURL(`${h.base}/login`);
  };

  before(async () => {
    h = await startHarness();
    await createAccount(h.sys, ali);
    page = await h.newPage(PHONE);
    await page.clock.install();
  });
  after(async () => h?.close());

  test("password, then the SMS code typed key by key in Persian digits; a wrong one says the tries left", async () => {
    const code = await secondStep();
    const field = page.locator("#f-code");
    assert.equal(await field.getAttribute("autocomplete"), "one-time-code");
    assert.equal(await field.getAttribute("inputmode"), "numeric");
    assert.equal(await page.locator("#f-password").count(), 0, "the password field is gone");
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      ui("mfa.title"),
      "the step's heading has the focus",
    );
    assert.equal(
      await page.locator("#second-factor-intro").innerText(),
      ui("mfa.sms.sentTo", { mobile: fa("0912***4567") }),
      "the masked mobile the code went to",
    );
    const sms = (await outboxNow(h.sys, ali.mobile)).find((text) => text.includes(code)) ?? "";
    assert.match(sms, /کد ورود شما به سامانه مدیریت کاربران/);
    assert.match(sms, new RegExp(`#${code}$`), "the WebOTP line ends the SMS");
    await assertFitsWidth(page, "second step");
    await assertAccessible(page, "second step");

    await page.click(SUBMIT);
    await page.waitForSelector(`#f-code-error:has-text('${ui("mfa.codeRequired")}')`);
    const wrong = code === "111111" ? "222222" : "111111";
    await typeCode(fa(wrong));
    assert.equal(await field.inputValue(), fa(wrong), "every key kept after the error");
    await page.click(SUBMIT);
    await page.waitForSelector(`#f-code-error:has-text('${ui("mfa.attemptsLeft", { n: 4 })}')`);
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    assert.match(await page.locator(".error-summary").innerText(), /۴ بار دیگر/);
    await assertAccessible(page, "second step, wrong code");

    await typeCode(fa(code));
    assert.equal(await field.inputValue(), fa(code));
    await page.click(SUBMIT);
    await page.waitForURL(`${h.base}/account`);
    await page.waitForSelector("#profile-title");
    await signOut();
  });

  test("«ارسال دوباره» counts down in Persian digits, comes back by itself, and the new code replaces the old", async () => {
    h.sys.clock.advance(3_600_000);
    await clearThrottles(h.sys);
    const first = await secondStep();
    const resend = page.locator(RESEND);
    assert.ok(await resend.isDisabled(), "the resend waits");
    assert.match(await resend.innerText(), /^ارسال دوباره \([۰-۹]+ ثانیه\)$/);
    const before = Number(toLatinDigits(await resend.innerText()).replace(/\D/g, ""));
    await page.clock.runFor(10_000);
    const after10 = await resend.innerText();
    assert.equal(after10, ui("mfa.resendIn", { seconds: fa(before - 10) }), "it counts down every second");
    await assertAccessible(page, "second step, resend counting down");

    // The server's cooldown passes on both clocks: the button comes back without a touch.
    h.sys.clock.advance(before * 1000);
    await page.clock.runFor(before * 1000);
    await page.waitForFunction((sel) => !(document.querySelector(sel) as HTMLButtonElement).disabled, RESEND);
    assert.equal(await resend.innerText(), ui("mfa.resend"));
    const sentBefore = await outboxNow(h.sys, ali.mobile);
    await resend.click();
    await page.waitForSelector(`[role='status']:has-text('${ui("mfa.smsResent")}')`, { state: "attached" });
    assert.ok(await resend.isDisabled(), "counting down again");
    const second = await signInCode(h.sys, ali.mobile, sentBefore);
    assert.notEqual(second, first);
    await typeCode(fa(first));
    await page.click(SUBMIT);
    await page.waitForSelector("#f-code-error");
    await typeCode(second);
    await page.click(SUBMIT);
    await page.waitForURL(`${h.base}/account`);
    await signOut();
  });

  test("a reload, or a link into the account, comes back to the step; the rest is typed after it", async () => {
    h.sys.clock.advance(3_600_000);
    await clearThrottles(h.sys);
    const code = await secondStep();
    await typeCode(fa(code.slice(0, 2)));
    await page.reload();
    await page.waitForSelector("#second-factor #f-code");
    assert.equal(await page.inputValue("#f-code"), "", "the code is asked again after a reload");
    assert.ok(await page.locator(RESEND).isDisabled(), "the countdown goes on across the reload");
    await page.goto(`${h.base}/account`);
    await page.waitForURL(`${h.base}/login`);
    await page.waitForSelector("#second-factor #f-code");
    await assertAccessible(page, "second step after a reload");
    await typeCode(fa(code));
    await page.click(SUBMIT);
    await page.waitForURL(`${h.base}/account`);
    await page.waitForSelector("#profile-title");
    await signOut();
  });

  test("«این مرورگر را به خاطر بسپار»: the next sign-in skips the step until the browser is forgotten", async () => {
    h.sys.clock.advance(3_600_000);
    await clearThrottles(h.sys);
    const code = await secondStep();
    await page.click(`label:has-text('${ui("mfa.remember")}')`);
    assert.ok(await page.isChecked("#f-rememberBrowser"));
    await typeCode(code);
    await page.click(SUBMIT);
    await page.waitForURL(`${h.base}/account`);
    await signOut();

    await password();
    await page.waitForURL(`${h.base}/account`);
    await page.waitForSelector("#remembered-browsers li.session");
    assert.equal(await page.locator("#remembered-browsers li.session").count(), 1);
    assert.match(
      await page.locator("#remembered-browsers li.session").innerText(),
      new RegExp(ui("security.browsers.this")),
    );
    await assertAccessible(page, "account page with a remembered browser");
    await page.click(`#remembered-browsers button:has-text('${ui("security.browsers.forget")}')`);
    await page.waitForSelector(
      `#remembered-browsers [role='status']:has-text('${ui("security.browsers.forgotten")}')`,
    );
    // The list reloads and the announcement comes in renders of their own: each waited for.
    await page.waitForFunction(
      () => document.querySelectorAll("#remembered-browsers li.session").length === 0,
    );
    await signOut();

    await secondStep();
    await assertAccessible(page, "second step once the browser is forgotten");
  });
});
