// The show-password button on every password field: typed key by key on a 360 px phone, shown and
// hidden without losing the focus, the caret or a key; hidden again on submit; in English too.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { createAccount } from "../helpers/accounts.ts";
import { ali } from "../helpers/people.ts";
import {
  assertAccessible,
  completeSignIn,
  type Harness,
  outboxBefore,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const SHOW = "نمایش رمز";
const HIDE = "پنهان کردن رمز";

const toggleOf = (page: Page, id: string) => page.locator(`button[aria-controls='${id}']`);
const state = (page: Page, id: string) =>
  page.evaluate((id) => {
    const input = document.getElementById(id) as HTMLInputElement;
    return {
      type: input.type,
      value: input.value,
      focused: document.activeElement === input,
      caret: input.selectionStart,
    };
  }, id);

describe("show-password toggle", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  before(async () => {
    h = await startHarness();
    await createAccount(h.sys, ali);
    page = await h.newPage({ width: 360, height: 740 });
  });
  after(async () => h?.close());

  test("shows the password typed, keeps the focus and the caret, hides it again on submit", async () => {
    await page.goto(`${h.base}/login`);
    await page.waitForSelector("#f-password");
    const toggle = toggleOf(page, "f-password");
    assert.equal(await toggle.innerText(), SHOW);
    assert.equal(await toggle.getAttribute("aria-pressed"), "false");
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 15 });
    await page.click("#f-password");
    // The password without its last two characters, the caret moved back one: then shown.
    const typed = ali.password.slice(0, -1);
    await page.keyboard.type(typed.slice(0, -1), { delay: 15 });
    await page.keyboard.type(typed.slice(-1), { delay: 15 });
    await page.keyboard.press("ArrowLeft");
    await toggle.click();
    assert.deepEqual(await state(page, "f-password"), {
      type: "text",
      value: typed,
      focused: true,
      caret: typed.length - 1,
    });
    assert.equal(await toggle.innerText(), HIDE);
    assert.equal(await toggle.getAttribute("aria-pressed"), "true");
    assert.equal(await page.getAttribute("#f-password", "autocapitalize"), "none");
    await assertAccessible(page, "login, password shown");
    // Keys typed after the toggle land where the caret was: End, then the last character.
    await page.keyboard.press("End");
    await page.keyboard.type(ali.password.slice(-1), { delay: 15 });
    assert.equal((await state(page, "f-password")).value, ali.password);
    await toggle.click();
    assert.deepEqual(await state(page, "f-password"), {
      type: "password",
      value: ali.password,
      focused: true,
      caret: ali.password.length,
    });
    // Shown at submit time, hidden by the submit (never left readable on the next page).
    await toggle.click();
    assert.equal((await state(page, "f-password")).type, "text");
    const before = await outboxBefore(h.sys, ali.nationalId);
    await page.click("button[type='submit']");
    await completeSignIn(page, h.sys, ali.nationalId, before);
  });

  test("by keyboard: Tab to the button, Space shows, the focus stays on the button", async () => {
    await page.goto(`${h.base}/account/password`);
    await page.waitForSelector("#f-currentPassword");
    for (const id of ["f-currentPassword", "f-password", "f-passwordConfirmation"])
      assert.equal(await toggleOf(page, id).count(), 1, `${id} has its toggle`);
    await page.click("#f-currentPassword");
    await page.keyboard.type("abc", { delay: 15 });
    await page.keyboard.press("Tab");
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute("aria-controls")),
      "f-currentPassword",
    );
    await page.keyboard.press("Space");
    assert.equal((await state(page, "f-currentPassword")).type, "text");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("aria-pressed")), "true");
    assert.equal((await state(page, "f-password")).type, "password", "each field has its own toggle");
  });

  test("in English", async () => {
    await page.goto(`${h.base}/first-password`);
    await page.click("button.lang-switch");
    await page.waitForSelector("html[lang='en']");
    const toggle = toggleOf(page, "f-password");
    assert.equal(await toggle.innerText(), "Show password");
    await toggle.click();
    assert.equal(await toggle.innerText(), "Hide password");
    assert.equal(await toggle.getAttribute("aria-pressed"), "true");
    await assertAccessible(page, "first password in English, shown");
    await page.click("button.lang-switch");
  });
});
