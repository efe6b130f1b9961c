// Signing-key rotation in the console (issue 20): an admin sees which key signs, is asked before a
// rotation, and sees the new keys published ahead of signing; the rotation is audited.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createMember, signIn } from "../helpers/staff.ts";
import { assertAccessible, type Harness, skipBrowser, startHarness } from "./browser.ts";

describe("signing keys in the console", { skip: skipBrowser }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  test("an admin rotates the keys after a question; the new ones are listed as published, not yet signing", async () => {
    const cookie = await signIn(h.sys, await createMember(h.sys, "admin1", "admin"));
    const page = await h.newPage({ width: 360, height: 740 });
    const [name, value] = cookie.split("=") as [string, string];
    await page.context().addCookies([{ name, value, url: h.base }]);
    await page.goto(`${h.base}/staff/eservices`);
    await page.waitForSelector("#signing-keys li");
    assert.equal(await page.locator("#signing-keys li").count(), 2);
    assert.equal(await page.locator("#signing-keys li:has-text('در حال امضا')").count(), 2);
    await assertAccessible(page, "console: signing keys");

    await page.click("button:has-text('چرخش کلیدها')");
    await page.waitForSelector("text=کلیدهای تازه ساخته شوند؟");
    await page.click("button:has-text('انصراف')");
    assert.equal((await h.sys.db.selectFrom("oidc_keys").select("kid").execute()).length, 2);
    await page.click("button:has-text('چرخش کلیدها')");
    await page.click("button:has-text('بله، کلید تازه بساز')");
    await page.waitForSelector(".notice:has-text('کلیدهای تازه منتشر شدند')");
    await page.waitForFunction(() => document.querySelectorAll("#signing-keys li").length === 4);
    assert.equal(await page.locator("#signing-keys li:has-text('منتشرشده؛ امضا از')").count(), 2);
    assert.equal(await page.locator("#signing-keys li:has-text('در حال امضا')").count(), 2);
    const audit = await h.sys.db
      .selectFrom("audit_log")
      .select("action")
      .where("action", "=", "admin.oidcKeys.rotated")
      .execute();
    assert.equal(audit.length, 1);
  });
});
