// Issue 19: passkeys in the browser, through Chromium's virtual authenticator (CDP WebAuthn): enrol
// on the account's «ورود دومرحله‌ای» page (the current password asked once the second factor is no
// longer fresh), rename, sign out, sign in with the passkey alone, use it as the second step after
// the password, meet an e-service's phishing-resistant step-up with it in a browser already signed in by
// password and SMS, remove it after a confirmation; then the passkey no longer signs in. axe on each.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import type { CDPSession, Page } from "playwright-core";
import { AAL_VALUES } from "../../src/domain/authentication-level.ts";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { createAccount, outboxNow, signInCode } from "../helpers/accounts.ts";
import { authorizationRequest, clientsSetting, rp, SECRET } from "../helpers/oidc.ts";
import { ali } from "../helpers/people.ts";
import { assertAccessible, assertFitsWidth, type Harness, skipBrowser } from "./browser.ts";
import { startLocalhostHarness } from "./webauthn.ts";

const PHONE = { width: 360, height: 740 };
const ui = (key: string, params?: Record<string, string | number>) => t("fa", `ui.${key}`, params);

describe("passkeys with Chromium's virtual authenticator", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId = "";

  const password = async () => {
    await page.goto(`${h.base}/login`);
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 10 });
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 10 });
    await page.click(`form button:has-text('${ui("login.submit")}')`);
    await page.waitForSelector("#second-factor");
  };
  const signInWithSms = async () => {
    const before = await outboxNow(h.sys, ali.mobile);
    await password();
    const code = await signInCode(h.sys, ali.mobile, before);
    await page.click("#f-code");
    await page.keyboard.type(fa(code), { delay: 20 });
    await page.click("#second-factor form button[type='submit']");
    await page.waitForURL(`${h.base}/account`);
  };
  const signOut = async () => {
    await page.goto(`${h.base}/account`);
    await page.click(`button:has-text('${ui("account.logout")}')`);
    await page.waitForURL(`${h.base}/login`);
  };
  const credentials = async () =>
    ((await cdp.send("WebAuthn.getCredentials", { authenticatorId })) as { credentials: unknown[] })
      .credentials;

  // An e-service that asks for a phishing-resistant sign-in. The browser's request for its callback
  // carries the code, which the test exchanges as the e-service would.
  let callbackUrl = "";
  let callbackServer: Server;
  const TAX = "tax-eservice";

  before(async () => {
    // The e-service's callback: a page that answers, so that the browser lands there.
    callbackServer = createServer((_request, response) => response.end("e-service"));
    await new Promise<void>((resolve) => callbackServer.listen(0, "127.0.0.1", resolve));
    callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/callback`;
    h = await startLocalhostHarness(
      clientsSetting([
        {
          client_id: TAX,
          client_secret: SECRET,
          client_name: "سامانهٔ مالیات",
          redirect_uris: [callbackUrl],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ]),
    );
    await createAccount(h.sys, ali);
    page = await h.newPage(PHONE);
    cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const added = (await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    })) as { authenticatorId: string };
    authenticatorId = added.authenticatorId;
  });
  after(async () => {
    await h?.close();
    callbackServer?.close();
  });

  test("enrols a passkey on the security page, the current password asked once the factor is not fresh", async () => {
    await signInWithSms();
    await page.click(`#account-changes a:has-text('${ui("security.title")}')`);
    await page.waitForSelector("#passkey-add");
    await assertFitsWidth(page, "security page");
    await assertAccessible(page, "security page");
    // Past the minutes in which the SMS code stands in for the password.
    h.sys.clock.advance(11 * 60_000);
    await page.click("#f-passkeyName");
    await page.keyboard.type("گوشی من", { delay: 20 });
    await page.click(`#passkey-add button:has-text('${ui("security.passkeys.add")}')`);
    await page.waitForSelector("#holder-proof #f-currentPassword");
    // The prompt takes the focus once it has rendered: waited for, then asserted.
    await page
      .waitForFunction(() => document.activeElement?.id === "holder-proof-title", undefined, {
        timeout: 5_000,
      })
      .catch(() => undefined);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      "holder-proof-title",
      "the prompt takes the focus",
    );
    await assertAccessible(page, "security page, password asked");
    await page.click("#f-currentPassword");
    await page.keyboard.type("WrongPass2026", { delay: 10 });
    await page.click(`#holder-proof button:has-text('${ui("security.proof.submit")}')`);
    await page.waitForSelector(
      `#f-currentPassword-error:has-text('${t("fa", "errors.currentPassword.wrong")}')`,
    );
    await page.fill("#f-currentPassword", "");
    await page.click("#f-currentPassword");
    await page.keyboard.type(ali.password, { delay: 10 });
    await page.click(`#holder-proof button:has-text('${ui("security.proof.submit")}')`);
    await page.waitForSelector("#passkey-list li:has-text('گوشی من')");
    assert.equal(await page.locator("#holder-proof").count(), 0);
    assert.equal((await credentials()).length, 1, "the authenticator holds one passkey");
    await page.waitForSelector(
      `[role='status']:has-text('${ui("security.passkeys.added", { name: "گوشی من" })}')`,
      {
        state: "attached",
      },
    );
    await assertAccessible(page, "security page with a passkey");

    await page.click(`#passkey-list button:has-text('${ui("security.passkeys.rename")}')`);
    await page.fill("#f-passkeyRename", "");
    await page.click("#f-passkeyRename");
    await page.keyboard.type("گوشی همراه", { delay: 20 });
    await page.click(`#passkey-list button:has-text('${ui("security.save")}')`);
    await page.waitForSelector("#passkey-list li:has-text('گوشی همراه')");
  });

  test("the national-ID field's autofill list signs in with the passkey alone, no password", async () => {
    // The virtual authenticator answers the page's conditional request as a person picking the
    // passkey under the field would: the login page signs in before anything is typed.
    await page.goto(`${h.base}/account`);
    const signedIn = page.waitForResponse(
      (r) => r.url().endsWith("/api/passkeys/authentication") && r.request().method() === "POST",
    );
    await page.click(`button:has-text('${ui("account.logout")}')`);
    assert.equal((await signedIn).status(), 200, "the passkey alone signed in");
    await page.waitForURL(`${h.base}/account`);
    await page.waitForSelector("#profile-title");
    assert.equal(await page.locator("#f-password").count(), 0);
  });

  test("after the password, the passkey is offered as the second step", async () => {
    // Nobody picks from the autofill list this time: the authenticator waits for a touch.
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: false });
    await signOut();
    assert.equal(await page.getAttribute("#f-nationalId", "autocomplete"), "username webauthn");
    await assertAccessible(page, "login page with passkey sign-in");
    await password();
    await page.click(`#other-methods button:has-text('${ui("mfa.use.passkey")}')`);
    await page.waitForSelector(`#second-factor-intro:has-text('${ui("mfa.passkey.intro")}')`);
    assert.equal(await page.locator("#f-code").count(), 0);
    await assertAccessible(page, "second step by passkey");
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: true });
    await page.click("#second-factor form button[type='submit']");
    await page.waitForURL(`${h.base}/account`);
  });

  test("signed in by password and SMS, an e-service asking phishing-resistant gets the passkey asked", async () => {
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: false });
    await signOut();
    await signInWithSms();
    const config = await rp(h.base, TAX, client.ClientSecretBasic(SECRET), {});
    const flow = await authorizationRequest(config, callbackUrl, { acr_values: AAL_VALUES[3] });
    const atCallback = (url: URL) => url.href.startsWith(callbackUrl);
    const callback = page.waitForRequest((r) => r.url().startsWith(callbackUrl));
    await page.goto(flow.url.href);
    // Two factors are not enough: the page asks the passkey, and nothing reaches the e-service yet.
    await page.waitForSelector(`h1:has-text('${ui("sso.stepUpTitle")}')`);
    assert.match((await page.locator("main").textContent()) ?? "", new RegExp(ui("sso.usePasskey")));
    await assertAccessible(page, "SSO step-up by passkey");
    await assertFitsWidth(page, "SSO step-up by passkey at 360 px");
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: true });
    await page.click(`button:has-text('${ui("sso.usePasskey")}')`);
    await page.waitForSelector("h1:has-text('اجازهٔ دسترسی به اطلاعات')");
    await page.click("button:has-text('اجازه می‌دهم')");
    const back = new URL((await callback).url());
    await page.waitForURL(atCallback);
    const tokens = await client.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.equal(tokens.claims()!.aal, AAL_VALUES[3]);
    // The passkey joins the factors this sign-in already had.
    assert.deepEqual(tokens.claims()!.amr, ["hwk", "mfa", "pwd", "sms", "user"]);
  });

  test("removes the passkey after a confirmation; it no longer signs in", async () => {
    await page.goto(`${h.base}/account/security`);
    await page.click(`#passkey-list button:has-text('${ui("security.passkeys.remove")}')`);
    await page.waitForSelector(`#passkey-list button:has-text('${ui("security.confirmRemove")}')`);
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      ui("security.confirmRemove"),
    );
    await assertAccessible(page, "passkey removal asked");
    await page.click(`#passkey-list button:has-text('${ui("security.confirmRemove")}')`);
    await page.waitForSelector(`#passkeys :text('${ui("security.passkeys.none")}')`);
    // The authenticator still holds it and offers it at once: the server no longer knows it.
    await page.goto(`${h.base}/account`);
    await page.click(`button:has-text('${ui("account.logout")}')`);
    await page.waitForURL(`${h.base}/login`);
    await page.waitForSelector(".error-summary");
    assert.equal(new URL(page.url()).pathname, "/login");
    await assertAccessible(page, "login after a removed passkey");
  });
});
