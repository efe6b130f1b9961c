// Issue 21, WCAG 1.4.10 and 1.4.4: no page scrolls sideways at 320 CSS px, nor on a 360 px phone
// with its text at 200 % (the browser's font size doubled: every rem and em doubles, as a phone's
// larger-text setting does). The six-step bar was 504 px wide at 200 % on a 360 px screen.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { createAccount, loginCookie } from "../helpers/accounts.ts";
import { ali } from "../helpers/people.ts";
import { assertAccessible, type Harness, skipBrowser, startHarness } from "./browser.ts";

const PUBLIC = [
  "/",
  "/register/1",
  "/track",
  "/login",
  "/recover",
  "/first-password",
  "/dev/outbox",
  "/staff",
];
const SIGNED_IN = [
  "/account",
  "/account/password",
  "/account/mobile",
  "/account/email",
  "/account/security-questions",
  "/account/security",
];
const SIZES = [
  { label: "320 px", viewport: { width: 320, height: 640 }, text: "100%" },
  { label: "200 % text at 360 px", viewport: { width: 360, height: 740 }, text: "200%" },
];

/** How far the page is wider than its viewport, and the widest element that sticks out. */
async function overflow(page: Page) {
  await page.evaluate(() => document.fonts.ready);
  return page.evaluate(() => {
    const width = window.innerWidth;
    let widest = "";
    let right = width;
    for (const el of document.querySelectorAll<HTMLElement>("body *")) {
      const box = el.getBoundingClientRect();
      const out = Math.max(box.right, width - box.left);
      if (box.width > 0 && out > right) {
        right = out;
        widest = `${el.tagName.toLowerCase()}.${el.className}`;
      }
    }
    return { by: document.documentElement.scrollWidth - width, widest };
  });
}

describe("reflow at 320 px and 200 % text; the dark theme", { skip: skipBrowser }, () => {
  let h: Harness;
  let cookie = "";
  before(async () => {
    h = await startHarness();
    await createAccount(h.sys, ali);
    cookie = await loginCookie(h.sys, ali);
  });
  after(async () => h?.close());

  for (const size of SIZES) {
    test(`every page at ${size.label}`, async () => {
      const page = await h.newPage(size.viewport);
      const [name, value] = cookie.split(";")[0]!.split("=") as [string, string];
      await page.context().addCookies([{ name, value, url: h.base }]);
      await page.addInitScript((text) => {
        document.addEventListener("DOMContentLoaded", () => {
          document.documentElement.style.fontSize = text;
        });
      }, size.text);
      const wide: string[] = [];
      for (const path of [...PUBLIC, ...SIGNED_IN]) {
        await page.goto(`${h.base}${path}`);
        await page.waitForSelector("h1", { timeout: 5000 }).catch(() => wide.push(`${path}: no heading`));
        const { by, widest } = await overflow(page);
        if (by > 0) wide.push(`${path}: ${by}px wider (${widest})`);
      }
      assert.deepEqual(wide, [], `at ${size.label}`);
      await page.close();
    });
  }

  test("the dark theme (prefers-color-scheme: dark) passes axe on every page", async () => {
    const context = await h.browser.newContext({
      viewport: { width: 360, height: 740 },
      locale: "fa-IR",
      colorScheme: "dark",
    });
    const [name, value] = cookie.split(";")[0]!.split("=") as [string, string];
    await context.addCookies([{ name, value, url: h.base }]);
    const page = await context.newPage();
    for (const path of [...PUBLIC, ...SIGNED_IN]) {
      await page.goto(`${h.base}${path}`);
      await page.waitForSelector("h1");
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, "rgb(16, 20, 24)", `${path} is dark`);
      await assertAccessible(page, `${path} in the dark theme`);
    }
    await context.close();
  });
});
