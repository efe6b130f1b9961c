// The wizard's validation in Persian, keyboard-only use, a 360 px phone, English, and axe on the
// pages the journey test does not reach.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { mohammadreza, zahra } from "../helpers/people.ts";
import {
  assertAccessible,
  assertFitsWidth,
  fillRegistration,
  type Harness,
  registrationCode,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const NEXT = "button:has-text('مرحله بعد')";

async function summary(page: Page): Promise<string> {
  return page.locator(".error-summary").innerText();
}
function expectErrors(text: string, codes: string[]) {
  for (const code of codes)
    assert.ok(text.includes(t("fa", `errors.${code}`)), `missing ${code} in:\n${text}`);
}

describe("forms: validation, keyboard, phone, English", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  before(async () => {
    h = await startHarness();
    page = await h.newPage({ width: 1280, height: 900 });
  });
  after(async () => h?.close());

  test("each wizard step shows its errors in Persian, summary and inline", async () => {
    await page.goto(`${h.base}/register`);
    await page.click(NEXT);
    expectErrors(await summary(page), ["nationalId.required", "mobile.required"]);
    assert.equal(await page.getAttribute("#f-nationalId", "aria-invalid"), "true");
    assert.match((await page.getAttribute("#f-nationalId", "aria-describedby")) ?? "", /f-nationalId-error/);
    await assertAccessible(page, "register step 1 with errors");
    await page.click(".error-summary a >> nth=1");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "f-mobile");
    await page.fill("#f-nationalId", fa("0012345678"));
    await page.fill("#f-mobile", "12345");
    await page.click(NEXT);
    expectErrors(await summary(page), ["nationalId.checksum", "mobile.format"]);

    // The code step: typed key by key, as on a phone; a wrong code says so and how many tries are left.
    await page.fill("#f-nationalId", "");
    await page.fill("#f-mobile", "");
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(zahra.nationalId), { delay: 15 });
    await page.click("#f-mobile");
    await page.keyboard.type("0935 000 0000", { delay: 15 });
    await page.click(NEXT);
    await page.waitForSelector("#f-code");
    assert.match(await page.locator("#mobile-code").innerText(), /۰۹۳۵۰۰۰۰۰۰۰/);
    assert.equal(await page.locator("ol.steps > li").count(), 6, "still six steps");
    assert.match(await page.locator("#mobile-code button >> nth=0").innerText(), /ثانیه/);
    assert.ok(await page.locator("#mobile-code button >> nth=0").isDisabled(), "resend waits");
    await page.click("button:has-text('تغییر شماره همراه')");
    assert.equal(await page.locator("#f-code").count(), 0);
    // The focus moves once the step has rendered again: waited for, not read at once.
    await page.waitForFunction(() => document.activeElement?.id === "f-mobile");
    await page.fill("#f-mobile", "");
    await page.keyboard.type(fa(zahra.mobile), { delay: 15 });
    await page.click(NEXT);
    await page.waitForSelector("#f-code");
    await page.click(NEXT);
    expectErrors(await summary(page), ["code.required"]);
    const code = await registrationCode(h.sys, zahra.nationalId, zahra.mobile);
    await page.click("#f-code");
    await page.keyboard.type(fa(code === "000000" ? "111111" : "000000"), { delay: 15 });
    await page.click(NEXT);
    await page.waitForSelector("#f-code-error");
    assert.match(await page.locator("#f-code-error").innerText(), /کد تایید درست نیست/);
    await assertAccessible(page, "register step 1, wrong code");
    await page.fill("#f-code", "");
    await page.keyboard.type(fa(code), { delay: 15 });
    await page.click(NEXT);
    await page.waitForSelector("#f-lastName");
    // Back to step 1 and on again: the values are kept and the proved number needs no new code.
    await page.click("button:has-text('مرحله قبل')");
    assert.equal(await page.inputValue("#f-mobile"), fa(zahra.mobile));
    await page.click(NEXT);
    await page.waitForSelector("#f-lastName");
    await page.click(NEXT);
    const codes = ["lastName.required", "firstName.required", "gender.required"];
    expectErrors(await summary(page), [...codes, "birthCertificateNumber.required", "birthDate.required"]);
    await assertAccessible(page, "register step 2 with errors");
    await page.fill("#f-birthCertificateNumber", "۰");
    await page.fill("#f-birthDate", "۱۴۰۰/۱۲/۳۰");
    await page.click(NEXT);
    expectErrors(await summary(page), ["birthCertificateNumber.zero", "birthDate.invalid"]);
    // Leaving a field checks it as you go.
    await page.fill("#f-birthDate", "1370-13-01");
    await page.focus("#f-lastName");
    const inline = (await page.locator("#f-birthDate-error").innerText()).replace(/\s+/g, " ");
    assert.equal(inline, `خطا: ${t("fa", "errors.birthDate.invalid")}`);

    await page.fill("#f-lastName", zahra.lastName);
    await page.fill("#f-firstName", zahra.firstName);
    await page.check("#f-gender-female");
    await page.fill("#f-birthCertificateNumber", fa(zahra.birthCertificateNumber));
    // The calendar: open it, pick 21 Mordad 1370.
    await page.click("button:has-text('انتخاب از تقویم')");
    await page.selectOption("#f-birthDate-year", "1370");
    await page.selectOption("#f-birthDate-month", "5");
    await assertAccessible(page, "date picker open");
    await page.click(`.calendar__day:text-is("${fa(21)}")`);
    assert.equal(await page.inputValue("#f-birthDate"), "۱۳۷۰/۰۵/۲۱");
    // Opened again: the typed day is marked and has the focus; Escape closes it, back on its button.
    await page.click("button:has-text('انتخاب از تقویم')");
    const picked = page.locator(".calendar__day[aria-pressed='true']");
    assert.equal(await picked.textContent(), fa(21));
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-pressed")), "true");
    assert.ok((await picked.boundingBox())!.height >= 44, "days are 44 px tall");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator(".calendar").count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "انتخاب از تقویم");
    // Escape in the field itself closes it too, the focus staying where the person types.
    await page.click("button:has-text('انتخاب از تقویم')");
    // Opened, the calendar moves the focus to the day once it has drawn: waited for, so that the
    // person's click back into the field comes after it, as a person's would.
    await page.waitForFunction(() => document.activeElement?.getAttribute("aria-pressed") === "true");
    await page.focus("#f-birthDate");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator(".calendar").count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "f-birthDate");
    await page.click(NEXT);

    await page.fill("#f-email", "not-an-email");
    await page.click(NEXT);
    expectErrors(await summary(page), ["email.format"]);
    await page.fill("#f-email", zahra.email);
    await page.click(NEXT);

    await page.click(NEXT);
    expectErrors(await summary(page), ["securityAnswers.questionRequired", "securityAnswers.answerTooShort"]);
    await assertAccessible(page, "register step 4 with errors");
    for (const [i, a] of zahra.securityAnswers.entries()) {
      await page.selectOption(`#f-securityAnswers-${i}-questionId`, a.questionId);
      await page.fill(`#f-securityAnswers-${i}-answer`, a.answer);
    }
    await page.click(NEXT);

    await page.fill("#f-password", "abc");
    // «not common» is judged once the page has loaded the blocklist: waited for, not read at once.
    await page.waitForFunction(() => document.querySelectorAll(".rule--kept").length >= 4);
    assert.equal(await page.locator(".rule--kept").count(), 4, "charset, lower, no national ID, not common");
    await page.fill("#f-passwordConfirmation", "abd");
    await page.click(NEXT);
    // Every broken rule has its own message at once (issue 14), in the summary and under the field.
    expectErrors(await summary(page), [
      "password.length",
      "password.upper",
      "password.digit",
      "passwordConfirmation.mismatch",
    ]);
    assert.equal(await page.locator("#f-password-error .error-message").count(), 3);
    await page.fill("#f-password", `A${zahra.nationalId}b`);
    await page.click(NEXT);
    expectErrors(await summary(page), ["password.nationalId"]);
    // Her own name and birth year, live and on «مرحله بعد»; then a common one, once the list arrived.
    const blocked = page.locator(".rule:not(.rule--kept)", {
      hasText: t("fa", "passwordRules.commonOrPersonal"),
    });
    await page.fill("#f-password", "ZahraKarimi1370");
    await blocked.waitFor();
    await page.fill("#f-password", "Persepolis1404");
    await blocked.waitFor();
    await page.fill("#f-passwordConfirmation", "Persepolis1404");
    await page.click(NEXT);
    expectErrors(await summary(page), ["password.commonOrPersonal"]);
    await assertAccessible(page, "register step 5 with errors");

    // «مرحله قبل» keeps what was entered.
    await page.click("button:has-text('مرحله قبل')");
    await page.click("button:has-text('مرحله قبل')");
    assert.equal(await page.inputValue("#f-email"), zahra.email);
  });

  test("registers Zahra by keyboard alone", async () => {
    const kb = await h.newPage({ width: 1280, height: 900 });
    await kb.goto(`${h.base}/`);
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 80; i++) {
        await kb.keyboard.press("Tab");
        if (await kb.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      }
      assert.fail(`Tab never reached ${selector}`);
    };
    await tabTo("main a[href='/register']");
    await kb.keyboard.press("Enter");
    const fields: [string, string][] = [
      ["#f-nationalId", fa(zahra.nationalId)],
      ["#f-mobile", fa(zahra.mobile)],
    ];
    for (const [sel, value] of fields) {
      await tabTo(sel);
      await kb.keyboard.type(value);
    }
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("#f-code");
    await tabTo("#f-code");
    await kb.keyboard.type(await registrationCode(h.sys, zahra.nationalId, zahra.mobile), { delay: 15 });
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("#f-lastName");
    for (const [sel, value] of [
      ["#f-lastName", zahra.lastName],
      ["#f-firstName", zahra.firstName],
    ] as const) {
      await tabTo(sel);
      await kb.keyboard.type(value);
    }
    await tabTo("#f-gender-male");
    await kb.keyboard.press("ArrowDown");
    assert.ok(await kb.isChecked("#f-gender-female"));
    await tabTo("#f-birthCertificateNumber");
    await kb.keyboard.type(zahra.birthCertificateNumber);
    await tabTo("#f-birthDate");
    await kb.keyboard.type(fa(zahra.birthDate));
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("#f-email");
    await tabTo("#f-email");
    await kb.keyboard.type(zahra.email);
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("#f-securityAnswers-0-questionId");
    for (let i = 0; i < 3; i++) {
      await tabTo(`#f-securityAnswers-${i}-questionId`);
      for (let k = 0; k < 3 && !(await kb.inputValue(`#f-securityAnswers-${i}-questionId`)); k++)
        await kb.keyboard.press("ArrowDown");
      await tabTo(`#f-securityAnswers-${i}-answer`);
      await kb.keyboard.type(zahra.securityAnswers[i]?.answer ?? "");
    }
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("#f-password");
    await tabTo("#f-password");
    await kb.keyboard.type(zahra.password);
    await tabTo("#f-passwordConfirmation");
    await kb.keyboard.type(zahra.password);
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("text=تایید و ثبت درخواست ثبت نام", { timeout: 5000 }).catch(async (e) => {
      await kb.screenshot({ path: "/tmp/hoviat-web/kb-fail.png", fullPage: true });
      throw e;
    });
    await tabTo("button[type=submit]");
    await kb.keyboard.press("Enter");
    await kb.waitForSelector("#registration-success");
    await kb.context().close();
  });

  test("works on a 360 px phone: registration, tracking and the branch message at login", async () => {
    const phone = await h.newPage({ width: 360, height: 740 });
    for (const path of ["/", "/register", "/track", "/login", "/recover", "/account", "/dev/outbox"]) {
      await phone.goto(`${h.base}${path}`);
      await phone.waitForSelector("h1");
      await assertFitsWidth(phone, path);
      await assertAccessible(phone, `${path} at 360 px`);
    }
    await phone.goto(`${h.base}/register`);
    await fillRegistration(phone, h.sys, mohammadreza, (label) => assertFitsWidth(phone, label));
    await phone.click("button:has-text('تایید و ثبت درخواست ثبت نام')");
    await phone.waitForSelector("#registration-success");
    await phone.goto(`${h.base}/track`);
    await phone.fill("#f-nationalId", fa(mohammadreza.nationalId));
    await phone.fill("#f-mobile", fa(mohammadreza.mobile));
    for (let i = 0; i < 40; i++) {
      await phone.click("button:has-text('ثبت درخواست پیگیری')");
      if ((await phone.locator("#track-result-title").innerText()) === "در انتظار فعال سازی در شعبه") break;
      await phone.waitForTimeout(250);
    }
    assert.match(await phone.locator("#track-result").innerText(), /شعبه/);
    await phone.goto(`${h.base}/login`);
    await phone.fill("#f-nationalId", mohammadreza.nationalId);
    await phone.fill("#f-password", mohammadreza.password);
    await phone.click("button:has-text('ورود')");
    assert.match(await (await phone.waitForSelector("#login-branch")).innerText(), /شعبه/);
    await assertAccessible(phone, "login awaiting branch");
    await phone.context().close();
  });

  test("switches to English, left to right, and asks the API in English", async () => {
    await page.goto(`${h.base}/track`);
    await page.click("button.lang-switch");
    await page.waitForFunction(() => document.documentElement.dir === "ltr");
    assert.equal(await page.getAttribute("html", "lang"), "en");
    await page.click("button:has-text('Submit tracking request')");
    assert.match(await summary(page), /national ID/i);
    await page.fill("#f-nationalId", "0067891233");
    await page.fill("#f-mobile", "09171234567");
    await page.click("button:has-text('Submit tracking request')");
    await page.waitForSelector("#track-result");
    assert.match(await page.locator("#track-result").innerText(), /No registration was found/i);
    await assertAccessible(page, "track in English");
    await page.click("button.lang-switch");
    await page.waitForFunction(() => document.documentElement.dir === "rtl");
    assert.equal(await page.getAttribute("html", "lang"), "fa");
  });
});
