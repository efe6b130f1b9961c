// Tracking on a 360 px phone: the form first, the six statuses folded away as help; a result shows
// the one status that applies with its next step once, and no list of the others.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { mohammadreza } from "../helpers/people.ts";
import { registerInProcess } from "../helpers/registration.ts";
import { eventually } from "../helpers/system.ts";
import { assertAccessible, assertFitsWidth, type Harness, skipBrowser, startHarness } from "./browser.ts";

const occurrences = (text: string, part: string) => text.split(part).length - 1;

async function track(page: Page, nationalId: string, mobile: string) {
  await page.fill("#f-nationalId", "");
  await page.click("#f-nationalId");
  await page.keyboard.type(fa(nationalId), { delay: 15 });
  await page.fill("#f-mobile", "");
  await page.click("#f-mobile");
  await page.keyboard.type(fa(mobile), { delay: 15 });
  await page.click("button[type='submit']");
  await page.waitForSelector("#track-result");
}

describe("tracking on a phone", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  before(async () => {
    h = await startHarness();
    page = await h.newPage({ width: 360, height: 740 });
  });
  after(async () => h?.close());

  test("the empty form keeps the statuses folded; opened, they are the six", async () => {
    await page.goto(`${h.base}/track`);
    await page.waitForSelector("#f-nationalId");
    assert.equal(await page.locator("#track-states").getAttribute("open"), null, "folded");
    assert.equal(await page.locator("#track-states dt").first().isVisible(), false);
    await page.click("#track-states summary");
    assert.equal(await page.locator("#track-states dt").count(), 6);
    assert.ok(await page.locator("#track-states dt").first().isVisible());
    await assertAccessible(page, "tracking form, statuses open");
  });

  test("a result: one status, its text once, its links, and no list of the others", async () => {
    await page.goto(`${h.base}/track`);
    await track(page, "0078912342", "09120000077");
    const body = await page.locator("main").innerText();
    assert.equal(await page.locator("#track-result-title").innerText(), t("fa", "ui.track.status.not_found"));
    assert.equal(occurrences(body, t("fa", "tracking.not_found")), 1);
    assert.equal(occurrences(body, t("fa", "ui.track.next.not_found")), 0, "no second wording");
    assert.equal(await page.locator("#track-states").count(), 0, "no list of statuses");
    for (const status of ["pending", "active", "expired", "identity_mismatch"])
      assert.equal(occurrences(body, t("fa", `ui.track.status.${status}`)), 0, `${status} not shown`);
    assert.equal(await page.locator("#track-result a").innerText(), t("fa", "ui.nav.register"));
    await assertFitsWidth(page, "tracking result");
    await assertAccessible(page, "tracking result not found");

    assert.equal((await registerInProcess(h.sys, mohammadreza)).statusCode, 202);
    await eventually(async () => {
      const a = await h.sys.db
        .selectFrom("accounts")
        .select("status")
        .where("national_id", "=", mohammadreza.nationalId)
        .executeTakeFirst();
      return a?.status === "awaiting_branch_activation" ? true : undefined;
    });
    await track(page, mohammadreza.nationalId, mohammadreza.mobile);
    const branch = await page.locator("main").innerText();
    assert.equal(
      await page.locator("#track-result-title").innerText(),
      t("fa", "ui.track.status.awaiting_branch_activation"),
    );
    assert.equal(occurrences(branch, t("fa", "tracking.awaiting_branch_activation")), 1);
    assert.equal(occurrences(branch, t("fa", "ui.track.next.awaiting_branch_activation")), 0);
    assert.equal(occurrences(branch, "کارت ملی و شناسنامه"), 1, "the branch guidance once");
    assert.equal(await page.locator("#track-result a").count(), 0);
    await assertAccessible(page, "tracking result awaiting branch");
  });
});
