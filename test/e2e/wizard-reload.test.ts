// Issue 21, item 1: a redirect made while the wizard first mounts (a reload on the review, a deep
// link past the first incomplete step) must reach the router. It did not: the app kept the old
// address, and as soon as every answer had two letters the wizard jumped ahead by itself and stored
// «آب» for «آبی». Here the answers are typed again key by key after such a redirect, and the secret
// is followed to its use: a recovery by questions with exactly what was typed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { ali, zahra } from "../helpers/people.ts";
import { eventually } from "../helpers/system.ts";
import { fillRegistration, type Harness, proveMobileInWizard, skipBrowser, startHarness } from "./browser.ts";

const PHONE = { width: 360, height: 740 };
const NEXT = "form button[type=submit]";
const pathOf = (page: Page) => new URL(page.url()).pathname;
async function atStep(page: Page, n: number) {
  await page.waitForURL((url) => url.pathname === `/register/${n}`);
  await page.waitForSelector(`.step-title:has-text("${fa(`مرحله ${n}`)}")`);
}

/** Types each answer key by key, checking after every key that the wizard stayed on step 4. */
async function typeAnswersStaying(page: Page, answers: readonly string[]) {
  for (const [i, answer] of answers.entries()) {
    await page.click(`#f-securityAnswers-${i}-answer`);
    for (const key of answer) {
      await page.keyboard.type(key);
      await page.waitForTimeout(40);
      assert.equal(pathOf(page), "/register/4", `still on step 4 while typing answer ${i + 1}`);
    }
  }
  // Time for any effect that would move on by itself.
  await page.waitForTimeout(300);
  assert.equal(pathOf(page), "/register/4");
  for (const [i, answer] of answers.entries())
    assert.equal(await page.inputValue(`#f-securityAnswers-${i}-answer`), answer, "every key kept");
}

describe("the wizard after a reload or a deep link", { skip: skipBrowser }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h?.close());

  test("a reload on the review, answers typed again key by key: stored whole, recovery by questions works", async () => {
    const page = await h.newPage(PHONE);
    await page.goto(`${h.base}/register`);
    const person = {
      ...ali,
      securityAnswers: ali.securityAnswers.map((a, i) => ({ ...a, answer: a.answer + "ی".repeat(i) })),
    };
    await fillRegistration(page, h.sys, person);
    await page.reload();
    await atStep(page, 4);
    await typeAnswersStaying(
      page,
      person.securityAnswers.map((a) => a.answer),
    );
    await page.click(NEXT);
    await atStep(page, 5);
    await page.click("#f-password");
    await page.keyboard.type(person.password, { delay: 15 });
    await page.click("#f-passwordConfirmation");
    await page.keyboard.type(person.password, { delay: 15 });
    await page.click(NEXT);
    await atStep(page, 6);
    await page.click("button:has-text('تایید و ثبت درخواست ثبت نام')");
    await page.waitForSelector("#registration-success");
    await eventually(async () =>
      (
        await h.sys.db
          .selectFrom("accounts")
          .select("status")
          .where("national_id", "=", person.nationalId)
          .executeTakeFirst()
      )?.status === "active"
        ? true
        : undefined,
    );

    // Recovery by questions with exactly what was typed.
    await page.goto(`${h.base}/recover`);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(person.nationalId), { delay: 15 });
    await page.click("label[for='f-method-security_questions']");
    await page.click(NEXT);
    await page.waitForSelector("#f-answers-0");
    for (const [i, a] of person.securityAnswers.entries()) {
      await page.click(`#f-answers-${i}`);
      await page.keyboard.type(a.answer, { delay: 15 });
    }
    await page.click(NEXT);
    await page.waitForSelector("#f-password");
    await page.close();
  });

  test("a deep link to the review with steps 1–3 done lands on step 4 and stays there while typing", async () => {
    const page = await h.newPage(PHONE);
    await page.goto(`${h.base}/register`);
    await proveMobileInWizard(page, h.sys, zahra);
    await page.click(NEXT);
    await atStep(page, 2);
    await page.fill("#f-lastName", zahra.lastName);
    await page.fill("#f-firstName", zahra.firstName);
    await page.check(`#f-gender-${zahra.gender}`);
    await page.fill("#f-birthCertificateNumber", fa(zahra.birthCertificateNumber));
    await page.fill("#f-birthDate", fa(zahra.birthDate));
    await page.click(NEXT);
    await atStep(page, 3);
    await page.fill("#f-email", zahra.email);
    await page.click(NEXT);
    await atStep(page, 4);
    for (const [i, a] of zahra.securityAnswers.entries())
      await page.selectOption(`#f-securityAnswers-${i}-questionId`, a.questionId);
    await page.goto(`${h.base}/register/6`);
    await atStep(page, 4);
    await typeAnswersStaying(
      page,
      zahra.securityAnswers.map((a) => a.answer),
    );
    await page.close();
  });
});
