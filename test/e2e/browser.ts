// Shared by the browser tests: one system and one Chromium per test file, axe on every page.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { outboxNow, signInCode } from "../helpers/accounts.ts";
import type { ali } from "../helpers/people.ts";
import { sentCode } from "../helpers/registration.ts";
import { eventually, onPostgres, startTestSystem, type TestSystem } from "../helpers/system.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Browser tests run once, on the embedded database; the PostgreSQL pass skips them. Without Debian's
 * chromium a developer's `npm test` skips them and says how to get it; CI (CI=true) never skips them.
 */
export const skipBrowser = onPostgres
  ? "browser tests run on the embedded database only"
  : !existsSync(CHROMIUM) && !process.env.CI
    ? `no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH) to run the browser tests`
    : false;

export type Harness = {
  sys: TestSystem;
  browser: Browser;
  base: string;
  /** A page in a fresh context (axe needs a context of its own to open helper pages). */
  newPage(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
};

export async function startHarness(): Promise<Harness> {
  const sys = await startTestSystem();
  await sys.app.listen({ port: 0, host: "127.0.0.1" });
  const address = sys.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    sys,
    browser,
    base: `http://127.0.0.1:${port}`,
    async newPage(viewport) {
      const context = await browser.newContext({ viewport, locale: "fa-IR" });
      return context.newPage();
    },
    async close() {
      await browser.close();
      await sys.stop();
    },
  };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core on the page as it is now: zero violations, with their ids and targets if any. axe.run in
 * the page itself, injected once per document (the app's pages are one document, routed on the client):
 * @axe-core/playwright injected it again at every check and finished each run in a new blank page,
 * half a second a check, half of some browser files' time. The pages have no frames to look into.
 */
export async function assertAccessible(page: Page, label: string) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    type Axe = {
      run(context: Document): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
    };
    const { violations } = await (window as unknown as { axe: Axe }).axe.run(document);
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(found, [], `axe violations on ${label}`);
}

/** No horizontal scrolling: the page fits the viewport's width. */
export async function assertFitsWidth(page: Page, label: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${label} is ${overflow}px wider than the viewport`);
}

/**
 * After «ورود» was pressed on a login form: the account page, through the second step when it is
 * asked (R-MFA), its SMS code read from the dev outbox and typed key by key. `before` is the outbox
 * of the account's mobile as it was before the press (outboxNow).
 */
export async function completeSignIn(
  page: Page,
  sys: TestSystem,
  nationalId: string,
  before: readonly string[],
) {
  const shown = await page.waitForSelector("#profile-title, #second-factor #f-code");
  if ((await shown.getAttribute("id")) === "profile-title") return;
  const code = await signInCode(sys, await mobileOf(sys, nationalId), before);
  await page.click("#f-code");
  await page.keyboard.type(fa(code), { delay: 15 });
  await page.click("#second-factor form button[type='submit']");
  await page.waitForSelector("#profile-title");
}

/** The mobile an account has now (the sign-in code goes there). */
export async function mobileOf(sys: TestSystem, nationalId: string) {
  const row = await sys.db
    .selectFrom("accounts")
    .select("mobile")
    .where("national_id", "=", nationalId)
    .executeTakeFirstOrThrow();
  return row.mobile;
}

/** The outbox of the account's mobile now, to tell the next sign-in code from the ones before. */
export async function outboxBefore(sys: TestSystem, nationalId: string) {
  return outboxNow(sys, await mobileOf(sys, nationalId));
}

/** Fills the six wizard steps with Persian digits up to the review; `check` runs on each step. */
/** The step-1 code that reached the person's phone (the SMS of their latest pending verification). */
export async function registrationCode(sys: TestSystem, nationalId: string, mobile: string) {
  return eventually(async () => {
    const verification = await sys.db
      .selectFrom("mobile_verifications")
      .select("id")
      .where("national_id", "=", nationalId)
      .where("mobile", "=", mobile)
      .where("status", "=", "pending")
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    return verification ? sentCode(sys, `mobile-verification:${verification.id}:code`) : undefined;
  });
}

/** Step 1 as a person does it: type the ID and number key by key, get the code, type it, go on. */
export async function proveMobileInWizard(page: Page, sys: TestSystem, person: typeof ali) {
  await page.click("#f-nationalId");
  await page.keyboard.type(fa(person.nationalId), { delay: 15 });
  await page.click("#f-mobile");
  await page.keyboard.type(fa(person.mobile), { delay: 15 });
  await page.click("button:has-text('مرحله بعد')");
  await page.waitForSelector("#f-code");
  const code = await registrationCode(sys, person.nationalId, person.mobile);
  await page.click("#f-code");
  await page.keyboard.type(fa(code), { delay: 15 });
}

export async function fillRegistration(
  page: Page,
  sys: TestSystem,
  person: typeof ali,
  check?: (label: string) => Promise<void>,
) {
  await proveMobileInWizard(page, sys, person);
  await check?.("register step 1");
  await page.click("button:has-text('مرحله بعد')");
  await page.waitForSelector("#f-lastName");
  await page.fill("#f-lastName", person.lastName);
  await page.fill("#f-firstName", person.firstName);
  await page.check(`#f-gender-${person.gender}`);
  await page.fill("#f-birthCertificateNumber", fa(person.birthCertificateNumber));
  await page.fill("#f-birthDate", fa(person.birthDate));
  await check?.("register step 2");
  await page.click("button:has-text('مرحله بعد')");
  await page.fill("#f-email", person.email);
  await check?.("register step 3");
  await page.click("button:has-text('مرحله بعد')");
  for (const [i, a] of person.securityAnswers.entries()) {
    await page.selectOption(`#f-securityAnswers-${i}-questionId`, a.questionId);
    await page.fill(`#f-securityAnswers-${i}-answer`, a.answer);
  }
  await check?.("register step 4");
  await page.click("button:has-text('مرحله بعد')");
  await page.fill("#f-password", person.password);
  await page.fill("#f-passwordConfirmation", person.passwordConfirmation);
  await check?.("register step 5");
  await page.click("button:has-text('مرحله بعد')");
  await page.waitForSelector("text=تایید و ثبت درخواست ثبت نام");
  await check?.("register review");
}
