// Staff passkeys in Chromium with its virtual authenticator (CDP WebAuthn): an administrator signs in
// with password and app code, is held at passkey enrolment, names and adds one (the device verifies
// the member), then signs in with the passkey alone, and with the password followed by the passkey
// instead of the code; adds a second and removes the first. axe on every page, 360 px included.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { totpCode } from "../../src/platform/totp.ts";
import { createMember, type Member } from "../helpers/staff.ts";
import { assertAccessible, assertFitsWidth, type Harness, skipBrowser } from "./browser.ts";
import { addVirtualAuthenticator, startLocalhostHarness } from "./webauthn.ts";

async function passwordStep(h: Harness, page: Page, member: Member) {
  await page.goto(`${h.base}/staff`);
  await page.waitForSelector("#f-username");
  await page.click("#f-username");
  await page.keyboard.type(member.username, { delay: 15 });
  await page.click("#f-password");
  await page.keyboard.type(member.password, { delay: 15 });
  await page.click("button:has-text('ادامه')");
  await page.waitForSelector("#f-code");
}

const staffPasskeys = (h: Harness, memberId: string) =>
  h.sys.db
    .selectFrom("passkeys")
    .select(["id", "name", "sign_count", "last_used_at"])
    .where("owner_kind", "=", "staff")
    .where("owner_id", "=", memberId)
    .orderBy("created_at")
    .execute();

describe("staff passkeys in the browser", { skip: skipBrowser }, () => {
  let h: Harness;
  before(async () => {
    h = await startLocalhostHarness();
  });
  after(async () => h?.close());

  test("an admin enrols at the first sign-in, then signs in with the passkey alone or after the password", async () => {
    const admin = await createMember(h.sys, "admin1", "admin");
    const page = await h.newPage({ width: 1280, height: 900 });
    const device = await addVirtualAuthenticator(page);

    h.sys.clock.advance(30_000);
    await passwordStep(h, page, admin);
    const secret = ((await page.locator("#totp-secret").textContent()) ?? "").replaceAll(" ", "").trim();
    await page.click("#f-code");
    await page.keyboard.type(fa(totpCode(secret, h.sys.clock.now())), { delay: 15 });
    await page.click("button:has-text('ورود')");
    await page.waitForSelector("#f-currentPassword");
    await page.fill("#f-currentPassword", admin.password);
    admin.password = "Shoebeh2026x";
    await page.fill("#f-password", admin.password);
    await page.fill("#f-passwordConfirmation", admin.password);
    await page.click("button:has-text('ثبت گذرواژهٔ تازه')");

    // Held at enrolment: the admin pages wait for a passkey.
    await page.waitForSelector("#f-name");
    assert.match(await page.locator("h1").innerText(), /کلیدهای عبور/);
    assert.equal(await page.locator("nav a").count(), 0, "no way around enrolment");
    await assertAccessible(page, "admin passkey enrolment");
    await page.click("#f-name");
    await page.keyboard.type("رایانهٔ میز کار", { delay: 15 });
    assert.equal(await page.inputValue("#f-name"), "رایانهٔ میز کار");
    await page.click("button:has-text('افزودن کلید عبور')");
    await page.waitForSelector("text=صف‌های کار");
    const enrolled = await staffPasskeys(h, admin.id);
    assert.deepEqual(
      enrolled.map((p) => p.name),
      ["رایانهٔ میز کار"],
    );
    const held = await device.credentials();
    assert.equal(held.length, 1);
    assert.equal(held[0]!.isResidentCredential, true, "discoverable: it signs in with no name typed");
    assert.equal(held[0]!.rpId, "localhost");

    // Signed out, then in with the passkey alone: no password, no code.
    await page.click("button:has-text('خروج')");
    await page.waitForSelector("#f-username");
    await assertAccessible(page, "staff sign-in with the passkey button");
    await page.click("#staff-passkey");
    await page.waitForSelector("text=صف‌های کار");
    const afterAlone = await staffPasskeys(h, admin.id);
    assert.ok(afterAlone[0]!.last_used_at);

    // Password, then the passkey instead of the app's code.
    await page.click("button:has-text('خروج')");
    await page.waitForSelector("#f-username");
    await passwordStep(h, page, admin);
    await assertAccessible(page, "second step with the passkey offered");
    await page.click("#staff-passkey");
    await page.waitForSelector("text=صف‌های کار");
    const amr = await h.sys.db
      .selectFrom("staff_sessions")
      .select("amr")
      .where("staff_id", "=", admin.id)
      .where("revoked_at", "is", null)
      .where("stage", "=", "full")
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    assert.deepEqual(amr.amr, ["hwk", "mfa", "pwd", "user"]);

    // The passkeys page: a second passkey, then the first removed; on a phone too.
    await page.click("a:has-text('کلیدهای عبور')");
    await page.waitForSelector("#passkeys-list");
    await assertAccessible(page, "passkeys page");
    await page.click("#f-name");
    await page.keyboard.type("کلید امنیتی", { delay: 15 });
    // The same device again: the options exclude the passkey it holds, so it makes none.
    await page.click("button:has-text('افزودن کلید عبور')");
    await page.waitForSelector(".error-summary");
    assert.equal((await staffPasskeys(h, admin.id)).length, 1);
    // Another device (a security key): added.
    await device.remove();
    await addVirtualAuthenticator(page);
    assert.equal(await page.inputValue("#f-name"), "کلید امنیتی");
    await page.click("button:has-text('افزودن کلید عبور')");
    await page.waitForSelector("#passkeys-list >> text=کلید امنیتی");
    assert.equal((await staffPasskeys(h, admin.id)).length, 2);
    await page.setViewportSize({ width: 360, height: 740 });
    await assertFitsWidth(page, "passkeys at 360 px");
    await assertAccessible(page, "passkeys at 360 px");
    await page.locator("#passkeys-list li", { hasText: "رایانهٔ میز کار" }).locator("button").click();
    await page.waitForSelector("#passkeys-status");
    assert.deepEqual(
      (await staffPasskeys(h, admin.id)).map((p) => p.name),
      ["کلید امنیتی"],
    );
    // The last one stays: an admin keeps a passkey.
    await page.locator("#passkeys-list li button").click();
    await page.waitForSelector(".error-summary");
    assert.match(await page.locator(".error-summary").innerText(), /دست‌کم یک کلید عبور/);
    assert.equal((await staffPasskeys(h, admin.id)).length, 1);

    const actions = (
      await h.sys.db
        .selectFrom("audit_log")
        .select("action")
        .where("actor_username", "=", "admin1")
        .where("action", "like", "%passkey%")
        .orderBy("seq")
        .execute()
    ).map((r) => r.action);
    assert.deepEqual(actions, [
      "staff.passkey.added",
      "staff.login.passkey",
      "staff.login.passkey",
      "staff.passkey.added",
      "staff.passkey.removed",
    ]);
    await page.close();
  });
});
