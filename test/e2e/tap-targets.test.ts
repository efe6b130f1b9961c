// WCAG 2.5.5 on a 360 px phone: every visible link, button, field, select, summary and label of a
// control on every page measures at least 44 × 44 px, and axe stays clean. The one exception is
// WCAG's own: a link inside a sentence of running text (a <p> with words around the link).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { totpCode } from "../../src/platform/totp.ts";
import { createAccount } from "../helpers/accounts.ts";
import { ali, mohammadreza } from "../helpers/people.ts";
import { registerInProcess } from "../helpers/registration.ts";
import { createBranch, createMember, givePasskey, type Member } from "../helpers/staff.ts";
import { eventually } from "../helpers/system.ts";
import {
  assertAccessible,
  completeSignIn,
  type Harness,
  outboxBefore,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const MIN = 44;
type Target = { what: string; width: number; height: number; inline: boolean };

/** Every visible target on the page with its size; `inline` marks a link inside running text. */
async function targets(page: Page): Promise<Target[]> {
  await page.evaluate(() => document.fonts.ready);
  return page.evaluate(() => {
    const selector = "a[href], button, input:not([type='hidden']), select, textarea, summary, label[for]";
    const out: Target[] = [];
    for (const el of document.querySelectorAll<HTMLElement>(selector)) {
      if (el.closest(".visually-hidden")) continue;
      if (!el.checkVisibility({ visibilityProperty: true })) continue;
      if (el instanceof HTMLLabelElement) {
        if (!el.control?.checkVisibility()) continue;
      }
      const box = el.getBoundingClientRect();
      const parent = el.parentElement;
      const inline =
        el.tagName === "A" &&
        parent?.tagName === "P" &&
        (parent.textContent ?? "").trim().length > (el.textContent ?? "").trim().length;
      const name = (el.textContent ?? "").trim().slice(0, 30) || el.id || el.getAttribute("type") || "";
      out.push({
        what: `${el.tagName.toLowerCase()} «${name}»`,
        width: box.width,
        height: box.height,
        inline,
      });
    }
    return out;
  });
}

/** Measures the page as it is now; returns the smallest side of any target, for the report. */
type Seen = { smallest: number; count: number; inline: Set<string> };
async function assertTargets(page: Page, label: string, seen: Seen) {
  const found = await targets(page);
  assert.ok(found.length > 0, `${label}: no targets found`);
  const small = found.filter((t) => !t.inline && (t.width < MIN - 0.5 || t.height < MIN - 0.5));
  assert.deepEqual(
    small.map((t) => `${t.what} ${t.width.toFixed(0)}×${t.height.toFixed(0)}`),
    [],
    `${label}: targets smaller than ${MIN}×${MIN} px`,
  );
  for (const t of found.filter((t) => !t.inline)) seen.smallest = Math.min(seen.smallest, t.width, t.height);
  seen.count += found.length;
  for (const t of found.filter((t) => t.inline)) seen.inline.add(`${label}: ${t.what}`);
  await assertAccessible(page, label);
}

async function visit(page: Page, url: string, ready: string) {
  await page.goto(url);
  await page.waitForSelector(ready);
}

async function staffSignIn(h: Harness, page: Page, member: Member, seen: Seen) {
  h.sys.clock.advance(30_000);
  await visit(page, `${h.base}/staff`, "#f-username");
  await assertTargets(page, "staff sign-in", seen);
  await page.click("#f-username");
  await page.keyboard.type(member.username, { delay: 10 });
  await page.click("#f-password");
  await page.keyboard.type(member.password, { delay: 10 });
  await page.click("button:has-text('ادامه')");
  await page.waitForSelector("#f-code");
  await page.click("summary");
  await assertTargets(page, "staff TOTP enrolment", seen);
  const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replaceAll(" ", "").trim();
  await page.click("#f-code");
  await page.keyboard.type(fa(totpCode(secret, h.sys.clock.now())), { delay: 10 });
  await page.click("button:has-text('ورود')");
  await page.waitForSelector("#f-currentPassword");
  await assertTargets(page, "staff new password", seen);
  await page.fill("#f-currentPassword", member.password);
  member.password = "Shoebeh2026x";
  await page.fill("#f-password", member.password);
  await page.fill("#f-passwordConfirmation", member.password);
  await page.click("button:has-text('ثبت گذرواژهٔ تازه')");
}

describe("tap targets at 360 px", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  const seen: Seen = { smallest: Number.POSITIVE_INFINITY, count: 0, inline: new Set() };
  before(async () => {
    h = await startHarness();
    page = await h.newPage({ width: 360, height: 740 });
  });
  after(async () => {
    console.log(`measured ${seen.count} targets; the smallest side is ${seen.smallest.toFixed(1)} px`);
    console.log(`links in running text (WCAG's inline exception): ${[...seen.inline].join("; ") || "none"}`);
    await h?.close();
  });

  test("the citizen's public pages", async () => {
    await visit(page, `${h.base}/`, ".cards");
    await assertTargets(page, "home", seen);
    // The whole card is the link: a tap near its bottom corner opens the page.
    const card = await page.locator(".card >> nth=1").boundingBox();
    assert.ok(card);
    await page.mouse.click(card.x + 8, card.y + card.height - 8);
    await page.waitForSelector("#f-nationalId");
    // /register is the wizard, which puts its first step at /register/1 (a replace made once the
    // wizard has rendered: waited for, not read at once).
    await page.waitForURL((url) => url.pathname === "/register/1");
    await assertTargets(page, "register step 1", seen);
    await visit(page, `${h.base}/login`, "#f-nationalId");
    await assertTargets(page, "login", seen);
    await visit(page, `${h.base}/track`, "#f-nationalId");
    await assertTargets(page, "tracking", seen);
    await visit(page, `${h.base}/recover`, "#f-nationalId");
    await assertTargets(page, "recovery", seen);
    await visit(page, `${h.base}/first-password`, "#f-nationalId");
    await assertTargets(page, "first password", seen);
    await visit(page, `${h.base}/dev/outbox`, "h1");
    await assertTargets(page, "outbox", seen);
  });

  test("the account pages after signing in", async () => {
    await createAccount(h.sys, ali);
    await visit(page, `${h.base}/login`, "#f-nationalId");
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 10 });
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 10 });
    const before = await outboxBefore(h.sys, ali.nationalId);
    await page.click("button:has-text('ورود')");
    await completeSignIn(page, h.sys, ali.nationalId, before);
    await page.waitForSelector("#sessions li.session");
    await assertTargets(page, "account", seen);
    for (const path of ["password", "email", "mobile", "security-questions"]) {
      await visit(page, `${h.base}/account/${path}`, "form");
      await assertTargets(page, `account/${path}`, seen);
    }
  });

  test("the staff console: an operator with a person found, an admin's pages", async () => {
    const branch = await createBranch(h.sys, "TEH-12");
    const operator = await createMember(h.sys, "op1", "branch_operator", branch);
    assert.equal((await registerInProcess(h.sys, mohammadreza)).statusCode, 202);
    await eventually(async () => {
      const a = await h.sys.db
        .selectFrom("accounts")
        .select("status")
        .where("national_id", "=", mohammadreza.nationalId)
        .executeTakeFirst();
      return a?.status === "awaiting_branch_activation" ? true : undefined;
    });
    const context = page.context();
    await context.clearCookies();
    await staffSignIn(h, page, operator, seen);
    await page.waitForSelector("#f-nationalId");
    await assertTargets(page, "staff find person", seen);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(mohammadreza.nationalId), { delay: 10 });
    await page.click("button:has-text('جستجو')");
    await page.waitForSelector("#person-result");
    await assertTargets(page, "staff person and activation", seen);

    await context.clearCookies();
    const admin = await createMember(h.sys, "admin1", "admin");
    await staffSignIn(h, page, admin, seen);
    // An administrator without a passkey is held at its enrolment (R-MFA); then given one.
    await page.waitForSelector("#f-name");
    await assertTargets(page, "staff passkey enrolment", seen);
    await givePasskey(h.sys, admin.id);
    await page.reload();
    await page.waitForSelector("text=صف‌های کار");
    await assertTargets(page, "staff figures", seen);
    for (const [path, ready] of [
      ["admin", "text=op1"],
      ["audit", "#f-nationalId"],
      ["eservices", "form"],
    ] as const) {
      await visit(page, `${h.base}/staff/${path}`, ready);
      await assertTargets(page, `staff/${path}`, seen);
    }
  });
});
