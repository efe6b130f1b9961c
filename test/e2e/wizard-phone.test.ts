// Issue 14: the registration wizard on a 360 px phone, typed key by key as a phone keyboard sends
// it, after errors, across reloads, back and forward, deep links and «تغییر»; axe on every step.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Dialog, Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { ali } from "../helpers/people.ts";
import {
  assertAccessible,
  assertFitsWidth,
  type Harness,
  registrationCode,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const PHONE = { width: 360, height: 740 };
const NEXT = "form button[type=submit]";
const DRAFT = "hoviat.registration";
const ui = (key: string) => t("fa", `ui.${key}`);
const error = (code: string) => t("fa", `errors.${code}`);

/** Types as a phone keyboard does: one key at a time into the field tapped. */
async function typeInto(page: Page, selector: string, text: string) {
  await page.click(selector);
  await page.keyboard.type(text, { delay: 20 });
}
/** Clears the field by keyboard (select all, delete), then types, as a person corrects a field. */
async function retype(page: Page, selector: string, text: string, delay = 20) {
  await page.click(selector);
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Backspace");
  await page.keyboard.type(text, { delay });
}
const pathOf = (page: Page) => new URL(page.url()).pathname;
const focused = (page: Page) =>
  page.evaluate(() => document.activeElement?.id || document.activeElement?.className || "");
async function atStep(page: Page, n: number) {
  await page.waitForURL((url) => url.pathname === `/register/${n}`);
  await page.waitForSelector(`.step-title:has-text("${fa(`مرحله ${n}`)}")`);
}
/** Clicks and waits for the confirm() the click opens. */
async function clickAsked(page: Page, selector: string) {
  await Promise.all([page.waitForEvent("dialog"), page.click(selector)]);
}
async function summary(page: Page) {
  return page.locator(".error-summary").innerText();
}

describe("the registration wizard on a 360 px phone", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  const dialogs: { type: string; message: string }[] = [];
  /** What the next confirm() is answered: accept (true) or dismiss (false). */
  let answer = true;
  const onDialog = async (d: Dialog) => {
    dialogs.push({ type: d.type(), message: d.message() });
    await (d.type() === "beforeunload" || answer ? d.accept() : d.dismiss());
  };
  before(async () => {
    h = await startHarness();
    page = await h.newPage(PHONE);
    page.on("dialog", onDialog);
  });
  after(async () => h?.close());

  test("step 1: after an error every key typed stays, Latin and Persian digits; the code is asked again after a reload", async () => {
    await page.goto(`${h.base}/register`);
    await atStep(page, 1);
    await page.click(NEXT);
    await page.waitForSelector(".error-summary");
    assert.equal(await focused(page), "error-summary", "«مرحله بعد» moves the focus to the summary");
    await typeInto(page, "#f-nationalId", ali.nationalId);
    assert.equal(await page.inputValue("#f-nationalId"), ali.nationalId, "every Latin digit kept");
    assert.equal(await focused(page), "f-nationalId", "the focus stays in the field typed in");
    await page.click("#f-mobile");
    await page.keyboard.type(fa("0912 123 4567"), { delay: 100 });
    assert.equal(await page.inputValue("#f-mobile"), fa("0912 123 4567"), "every Persian digit kept");
    assert.equal(await focused(page), "f-mobile");
    assert.equal(await page.locator(".error-summary").count(), 0, "fixed as typed: the summary is gone");
    await assertFitsWidth(page, "step 1");
    await assertAccessible(page, "step 1 at 360 px");

    await page.click(NEXT);
    await page.waitForSelector("#f-code");
    const code = (await registrationCode(h.sys, ali.nationalId, ali.mobile))!;
    await typeInto(page, "#f-code", fa(code.slice(0, 3)));
    await page.reload();
    await atStep(page, 1);
    assert.equal(await page.inputValue("#f-nationalId"), ali.nationalId, "kept across the reload");
    assert.equal(await page.inputValue("#f-mobile"), fa("0912 123 4567"));
    assert.equal(await page.inputValue("#f-code"), "", "the code is a secret: asked again");
    assert.equal(await page.locator("#secrets-note").innerText(), ui("reg.secretsAgain"));
    // Issue 21: a wrong code says how many tries are left.
    await typeInto(page, "#f-code", fa(code === "111111" ? "222222" : "111111"));
    await page.click(NEXT);
    await page.waitForSelector("#f-code-error");
    assert.match((await page.locator("#f-code-error").textContent()) ?? "", /۴ تلاش باقی مانده/);
    await retype(page, "#f-code", fa(code));
    assert.equal(await page.inputValue("#f-code"), fa(code));
    await page.click(NEXT);
    await atStep(page, 2);
    assert.equal(await focused(page), "step-title", "the new step's heading has the focus");
  });

  test("step 2: every spelling of the birth date, a Gregorian year refused, a field left half-done steals no keys", async () => {
    assert.equal(
      await page.getAttribute("#f-birthDate", "inputmode"),
      "decimal",
      "a keypad with a separator",
    );
    await page.click(NEXT);
    await page.waitForSelector(".error-summary");
    await typeInto(page, "#f-lastName", ali.lastName);
    await typeInto(page, "#f-firstName", ali.firstName);
    assert.equal(await page.inputValue("#f-lastName"), ali.lastName);
    assert.equal(await page.inputValue("#f-firstName"), ali.firstName);
    await page.check("#f-gender-male");
    // A Gregorian date gets exactly the guide's request for a Shamsi one.
    await typeInto(page, "#f-birthDate", "2000/01/01");
    await page.click("#f-lastName");
    await page.waitForSelector("#f-birthDate-error");
    assert.equal(
      (await page.locator("#f-birthDate-error").innerText()).replace(/\s+/g, " "),
      `خطا: تاریخ را به شمسی وارد کنید؛ مثلاً ۱۳۶۵/۰۴/۱۲`,
    );
    for (const typed of ["13650412", "1365-04-12", "1365/4/12", "۱۳۶۵/۰۴/۱۲", "۱۳۶۵۰۴۱۲"]) {
      await retype(page, "#f-birthDate", typed);
      assert.equal(await page.inputValue("#f-birthDate"), typed);
      await page.click("#f-lastName"); // leaving for another field checks it
      assert.equal(await page.locator("#f-birthDate-error").count(), 0, `${typed} is accepted`);
    }
    // A certificate number fixed, then changed to "0" and left for the date field: the error that
    // leaving it brings must not take the focus from the date being typed.
    await typeInto(page, "#f-birthCertificateNumber", fa(ali.birthCertificateNumber));
    assert.equal(await page.locator("#f-birthCertificateNumber-error").count(), 0);
    await retype(page, "#f-birthCertificateNumber", "0");
    // At a person's pace (100 ms a key), so the page has time to react between keys.
    await retype(page, "#f-birthDate", "۱۳۶۵/۰۴/۱۲", 100);
    assert.equal(await page.inputValue("#f-birthDate"), "۱۳۶۵/۰۴/۱۲", "no key lost after the blur's error");
    assert.equal(await focused(page), "f-birthDate");
    assert.equal(
      (await page.locator("#f-birthCertificateNumber-error").innerText()).replace(/\s+/g, " "),
      `خطا: ${error("birthCertificateNumber.zero")}`,
    );
    await retype(page, "#f-birthCertificateNumber", fa(ali.birthCertificateNumber));
    await assertAccessible(page, "step 2 at 360 px");
    await page.click(NEXT);
    await atStep(page, 3);
  });

  test("step 3: a reload keeps the step and every value; back and forward move between steps", async () => {
    await page.click(NEXT);
    await page.waitForSelector(".error-summary");
    await typeInto(page, "#f-email", ali.email);
    assert.equal(await page.inputValue("#f-email"), ali.email);
    await page.reload();
    await atStep(page, 3);
    assert.equal(await page.inputValue("#f-email"), ali.email);
    assert.ok(
      dialogs.some((d) => d.type === "beforeunload"),
      "leaving with input typed asks first (beforeunload)",
    );
    await page.goBack();
    await atStep(page, 2);
    assert.equal(await page.inputValue("#f-lastName"), ali.lastName);
    assert.equal(await page.inputValue("#f-birthDate"), "۱۳۶۵/۰۴/۱۲");
    assert.ok(await page.isChecked("#f-gender-male"));
    await page.goBack();
    await atStep(page, 1);
    assert.equal(await page.inputValue("#f-nationalId"), ali.nationalId);
    assert.equal(await page.locator("#f-code").count(), 0, "the number is proved: no code asked again");
    await page.goForward();
    await atStep(page, 2);
    await page.goForward();
    await atStep(page, 3);
    assert.equal(await page.inputValue("#f-email"), ali.email);
    await assertAccessible(page, "step 3 at 360 px");
    // A wrong address, then straight to «مرحله بعد»: leaving the field for the button must not move
    // the button from under the tap (it once did, and the tap was lost).
    await retype(page, "#f-email", "not-an-email");
    await page.click(NEXT);
    await page.waitForSelector(".error-summary", { timeout: 3000 });
    assert.ok((await summary(page)).includes(error("email.format")));
    assert.equal(await focused(page), "error-summary");
    await retype(page, "#f-email", ali.email);
    await page.click(NEXT);
    await atStep(page, 4);
  });

  test("step 4: a question not chosen asks to choose one; answers typed key by key", async () => {
    await page.waitForSelector("#f-securityAnswers-0-questionId option[value='q3']", { state: "attached" });
    await page.click(NEXT);
    const text = await summary(page);
    assert.ok(text.includes(error("securityAnswers.questionRequired")), text);
    assert.ok(!text.includes(error("securityAnswers.unknownQuestion")), text);
    for (const [i, a] of ali.securityAnswers.entries()) {
      await page.selectOption(`#f-securityAnswers-${i}-questionId`, a.questionId);
      await typeInto(page, `#f-securityAnswers-${i}-answer`, a.answer);
      assert.equal(await page.inputValue(`#f-securityAnswers-${i}-answer`), a.answer);
    }
    await assertAccessible(page, "step 4 at 360 px");
    await page.click(NEXT);
    await atStep(page, 5);
  });

  test("step 5: the password is near the top, the notices folded after it; a reload asks the secrets again", async () => {
    const password = await page.locator("#f-password").boundingBox();
    assert.ok(
      password && password.y < PHONE.height,
      `the password field is on the first screen (${password?.y})`,
    );
    const notices = page.locator("details#password-notices");
    assert.equal(await notices.getAttribute("open"), null, "folded");
    const repeat = await page.locator("#f-passwordConfirmation").boundingBox();
    const folded = await notices.boundingBox();
    assert.ok(repeat && folded && folded.y > repeat.y, "the notices come after the fields");
    await notices.locator("summary").click();
    assert.equal(await notices.locator("li").count(), 6);
    assert.ok(await notices.locator("li").first().isVisible());

    await typeInto(page, "#f-password", "abc");
    await page.click(NEXT);
    assert.equal(await page.locator("#f-password-error .error-message").count(), 3, "each broken rule");
    await retype(page, "#f-password", ali.password);
    await typeInto(page, "#f-passwordConfirmation", ali.password);
    assert.equal(await page.inputValue("#f-password"), ali.password, "mixed-case Latin, key by key");
    await assertAccessible(page, "step 5 at 360 px");

    await page.reload();
    await atStep(page, 5);
    assert.equal(await page.inputValue("#f-password"), "", "the password is not kept");
    assert.equal(await page.inputValue("#f-passwordConfirmation"), "");
    assert.equal(await page.locator("#secrets-note").innerText(), ui("reg.secretsAgain"));
    await assertAccessible(page, "step 5 after a reload, with the note");
    assert.equal(await page.locator(".steps__item--done").count(), 3, "step 4 lost its answers: not done");
    const stored = await page.evaluate((key) => sessionStorage.getItem(key) ?? "", DRAFT);
    assert.ok(stored.includes(ali.email), "the draft is in sessionStorage");
    for (const secret of [ali.password, ...ali.securityAnswers.map((a) => a.answer)])
      assert.ok(!stored.includes(secret), `no secret in storage: ${secret}`);
    await typeInto(page, "#f-password", ali.password);
    await typeInto(page, "#f-passwordConfirmation", ali.password);
    await page.click(NEXT);
    // The answers were lost with the reload: step 4 asks them again, then back to the review.
    await atStep(page, 4);
    assert.equal(await page.locator("#secrets-note").innerText(), ui("reg.secretsAgain"));
    for (const [i, a] of ali.securityAnswers.entries()) {
      assert.equal(await page.inputValue(`#f-securityAnswers-${i}-questionId`), a.questionId, "kept");
      assert.equal(await page.inputValue(`#f-securityAnswers-${i}-answer`), "", "asked again");
      await typeInto(page, `#f-securityAnswers-${i}-answer`, a.answer);
    }
    assert.equal(await page.locator(NEXT).innerText(), ui("reg.backToReview"));
    await page.click(NEXT);
    await atStep(page, 6);
  });

  test("review: «تغییر» goes to the step and straight back; the registration finishes and the draft is gone", async () => {
    await page.waitForSelector("text=تایید و ثبت درخواست ثبت نام");
    await assertAccessible(page, "review at 360 px");
    await assertFitsWidth(page, "review");
    await page.click(`.summary-list__row:has-text("${t("fa", "fields.email")}") button`);
    await atStep(page, 3);
    assert.equal(await page.locator(NEXT).innerText(), ui("reg.backToReview"));
    assert.equal(await page.locator(".steps__item--done").count(), 4, "steps 1, 2, 4 and 5 are still done");
    const email = "ali.rezaei2@example.com";
    await retype(page, "#f-email", email);
    await page.click(NEXT);
    await atStep(page, 6);
    assert.match(await page.locator(".summary-list").innerText(), /ali\.rezaei2@example\.com/);
    await page.click(`.summary-list__row:has-text("${t("fa", "fields.birthDate")}") button`);
    await atStep(page, 2);
    await retype(page, "#f-birthDate", "1365-04-12");
    await page.click(NEXT);
    await atStep(page, 6);
    assert.match(await page.locator(".summary-list").innerText(), /۱۲ تیر ۱۳۶۵/, "typed 1365-04-12");
    await page.click("button:has-text('تایید و ثبت درخواست ثبت نام')");
    const success = await page.waitForSelector("#registration-success");
    assert.equal(await success.innerText(), t("fa", "registration.submitted"));
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), DRAFT), null, "draft cleared");
    const row = await h.sys.db
      .selectFrom("registration_requests")
      .select(["birth_date", "email"])
      .where("national_id", "=", ali.nationalId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { birth_date: "1365/04/12", email });
  });

  test("a deep link to step 4 without a draft lands on step 1", async () => {
    const fresh = await h.newPage(PHONE);
    await fresh.goto(`${h.base}/register/4`);
    await atStep(fresh, 1);
    assert.equal(await fresh.inputValue("#f-nationalId"), "");
    await fresh.goto(`${h.base}/register/6`);
    await atStep(fresh, 1);
    assert.equal(pathOf(fresh), "/register/1");
    await fresh.context().close();
  });

  test("a link out of the wizard asks first; «انصراف» clears the draft", async () => {
    await page.goto(`${h.base}/register`);
    await atStep(page, 1);
    assert.equal(await page.inputValue("#f-nationalId"), "", "the finished registration left no draft");
    // Before «مرحله بعد», a field left half-done shows its error under it only: no summary above
    // pushes the page down under the person's finger.
    await typeInto(page, "#f-nationalId", fa("00123"));
    await typeInto(page, "#f-mobile", fa("0912"));
    await page.waitForSelector("#f-nationalId-error");
    assert.equal(await page.locator(".error-summary").count(), 0);
    assert.equal(await page.inputValue("#f-mobile"), fa("0912"));
    await retype(page, "#f-mobile", "");
    await retype(page, "#f-nationalId", fa(ali.nationalId));
    dialogs.length = 0;
    answer = false;
    await clickAsked(page, "footer a[href='/track']");
    assert.deepEqual(dialogs, [{ type: "confirm", message: ui("reg.leave") }]);
    assert.equal(pathOf(page), "/register/1", "stayed");
    assert.equal(await page.inputValue("#f-nationalId"), fa(ali.nationalId));
    answer = true;
    await clickAsked(page, "footer a[href='/track']");
    await page.waitForURL(`${h.base}/track`);
    await page.click("footer a[href='/register']");
    await atStep(page, 1);
    assert.equal(await page.inputValue("#f-nationalId"), fa(ali.nationalId), "the draft came back");
    dialogs.length = 0;
    await clickAsked(page, `button:has-text("${ui("reg.cancel")}")`);
    assert.deepEqual(dialogs, [{ type: "confirm", message: ui("reg.cancelConfirm") }]);
    await page.waitForURL(`${h.base}/`);
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), DRAFT), null);
    await page.goto(`${h.base}/register/1`);
    await atStep(page, 1);
    assert.equal(await page.inputValue("#f-nationalId"), "");
  });
});
