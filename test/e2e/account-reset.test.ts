// Issue 19 item 4 in the browser: a person who lost every factor starts the account reset from the
// second step («به هیچ‌کدام دسترسی ندارم»), is told about the 24-hour wait (and the holder's mobile
// is told too); after it, the password leads to a new mobile, typed in Persian digits and proved by
// its code key by key, and the person is signed in. axe on each page.
//
// The account is made with a number the ownership simulator does not tie to Ali (09120000009), so
// that the new 09121234567, his own in fixtures/registry.demo.json, is applied.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { createAccount, latestCode, outbox } from "../helpers/accounts.ts";
import { ali } from "../helpers/people.ts";
import { assertAccessible, assertFitsWidth, type Harness, skipBrowser, startHarness } from "./browser.ts";

const PHONE = { width: 360, height: 740 };
const OLD_MOBILE = "09120000009";
const ui = (key: string, params?: Record<string, string | number>) => t("fa", `ui.${key}`, params);

describe("the account reset on a 360 px phone", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;

  const password = async () => {
    await page.goto(`${h.base}/login`);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 10 });
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 10 });
    await page.click(`form button:has-text('${ui("login.submit")}')`);
  };

  before(async () => {
    h = await startHarness();
    await createAccount(h.sys, { ...ali, mobile: OLD_MOBILE });
    page = await h.newPage(PHONE);
  });
  after(async () => h?.close());

  test("«به هیچ‌کدام دسترسی ندارم» explains the wait and starts it; the mobile is told", async () => {
    await password();
    await page.waitForSelector("#second-factor");
    await page.click(`button:has-text('${ui("mfa.noAccess")}')`);
    await page.waitForSelector(`#account-reset h2:has-text('${ui("reset.title")}')`);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), ui("reset.title"));
    await assertFitsWidth(page, "account reset");
    await assertAccessible(page, "account reset explained");
    await page.click(`button:has-text('${ui("reset.start")}')`);
    await page.waitForSelector(`#account-reset:has-text('${ui("reset.startedTitle")}')`);
    assert.match(await page.locator("#account-reset").innerText(), /[۰-۹]{4}/, "the date in Persian digits");
    await assertAccessible(page, "account reset started");
    const texts = await outbox(h.sys, OLD_MOBILE, 2);
    assert.ok(
      texts.some((s) => s.includes("بازنشانی حساب")),
      "the holder's mobile hears of it",
    );
  });

  test("after 24 hours the password leads to a new mobile, proved by its code; then signed in", async () => {
    h.sys.clock.advance(24 * 3_600_000 + 60_000);
    await page.context().clearCookies();
    await password();
    await page.waitForSelector("#account-reset #f-mobile");
    await assertAccessible(page, "account reset: new mobile");
    await page.click("#f-mobile");
    await page.keyboard.type(fa("0912 123 4567"), { delay: 20 });
    await page.click(`#account-reset button:has-text('${ui("account.sendCode")}')`);
    await page.waitForSelector("#account-reset #f-code");
    const code = await latestCode(h.sys, ali.mobile);
    await page.click("#f-code");
    await page.keyboard.type(fa(code), { delay: 40 });
    await assertAccessible(page, "account reset: code");
    await page.click(`#account-reset button:has-text('${ui("account.verify")}')`);
    await page.waitForURL(`${h.base}/account`);
    await page.waitForSelector("#profile-title");
    assert.match(await page.locator("main").innerText(), /۰۹۱۲\*\*\*۴۵۶۷/);
  });
});
