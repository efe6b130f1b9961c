// Issue 21: the idle sign-out is told before it comes (WCAG 2.2.1). With the page's clock run forward
// (Playwright's clock): nothing at 25 minutes; at 27½ a notice counts down with «ادامه می‌دهم», which
// renews the session; left alone, the page signs out and the login page says why.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { createAccount } from "../helpers/accounts.ts";
import { ali } from "../helpers/people.ts";
import {
  assertAccessible,
  assertFitsWidth,
  completeSignIn,
  type Harness,
  outboxBefore,
  skipBrowser,
  startHarness,
} from "./browser.ts";

describe("the idle sign-out on a 360 px phone", { skip: skipBrowser }, () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await createAccount(h.sys, ali);
  });
  after(async () => h?.close());

  test("warned three minutes before, «ادامه می‌دهم» renews it; left alone, signed out and told why", async () => {
    const page = await h.newPage({ width: 360, height: 740 });
    await page.clock.install();
    await page.goto(`${h.base}/login`);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 10 });
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 10 });
    const sent = await outboxBefore(h.sys, ali.nationalId);
    await page.click("button:has-text('ورود')");
    await completeSignIn(page, h.sys, ali.nationalId, sent);

    await page.clock.fastForward("25:00");
    assert.equal(await page.locator("#idle-warning").count(), 0, "no notice 25 minutes in");
    await page.clock.fastForward("02:30");
    await page.waitForSelector("#idle-warning");
    const notice = (await page.locator("#idle-warning").textContent()) ?? "";
    assert.match(notice, /به‌زودی از سامانه خارج می‌شوید/);
    assert.match(notice, /[۰-۹]+ دقیقه|[۰-۹]+ ثانیه/, notice);
    await assertAccessible(page, "idle warning");
    await assertFitsWidth(page, "idle warning at 360 px");
    const renewed = page.waitForResponse((r) => r.url().endsWith("/api/me"));
    await page.click("#idle-warning button:has-text('ادامه می‌دهم')");
    assert.equal((await renewed).status(), 200);
    await page.waitForSelector("#idle-warning", { state: "detached" });
    assert.equal(new URL(page.url()).pathname, "/account");

    // Left alone this time: the notice again, then the login page with the reason.
    await page.clock.fastForward("27:30");
    await page.waitForSelector("#idle-warning");
    await page.clock.fastForward("02:00");
    await page.waitForSelector("#signed-out");
    assert.equal(new URL(page.url()).pathname, "/login");
    assert.match(
      (await page.locator("#signed-out").textContent()) ?? "",
      /۳۰ دقیقه کاری در سامانه انجام نشد/,
    );
    await assertAccessible(page, "signed out for inactivity");
    // The session ended on the server too.
    const me = await page.evaluate(async () => (await fetch("/api/me")).status);
    assert.equal(me, 401);
    // And the holder's security events say why: ended for inactivity, not signed out.
    const ended = await h.sys.db
      .selectFrom("security_events")
      .select("type")
      .where("type", "in", ["session.idleEnded", "session.loggedOut"])
      .execute();
    assert.deepEqual(
      ended.map((e) => e.type),
      ["session.idleEnded"],
    );
    await page.context().close();
  });
});
