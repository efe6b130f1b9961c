// R-SSO in a browser: the demo e-service (demo/eservice.ts, openid-client) sends the person to
// Hoviat's Persian «ورود به سیستم», then to the consent naming the e-service, and shows the claims;
// the account page lists the e-service; logout from the e-service confirms in Persian and reaches
// it back-channel. Typed key by key, axe on each Hoviat page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import { type Browser, chromium, type Page } from "playwright-core";
import { startDemoEservice } from "../../demo/eservice.ts";
import { AAL_VALUES } from "../../src/domain/authentication-level.ts";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { newSession } from "../../src/flows/login/sessions.ts";
import { createAccount, outboxNow, signInCode } from "../helpers/accounts.ts";
import {
  authorizationRequest,
  freePort,
  rp as relyingParty,
  SECRET,
  startOidcSystem,
} from "../helpers/oidc.ts";
import { ali } from "../helpers/people.ts";
import type { TestSystem } from "../helpers/system.ts";
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS, skipBrowser } from "./browser.ts";

const SERVICE = "سامانهٔ نمونهٔ خدمات الکترونیکی";

describe("single sign-on through Hoviat's pages", { skip: skipBrowser }, () => {
  let sys: TestSystem & { issuer: string };
  let demo: Awaited<ReturnType<typeof startDemoEservice>>;
  let browser: Browser;
  let page: Page;
  let callbackUrl: string;
  let accountId: string;

  before(async () => {
    const port = await freePort();
    const rp = `http://127.0.0.1:${port}`;
    callbackUrl = `${rp}/callback`;
    sys = await startOidcSystem([
      {
        client_id: "demo-eservice",
        client_secret: SECRET,
        client_name: SERVICE,
        redirect_uris: [`${rp}/callback`],
        post_logout_redirect_uris: [`${rp}/`],
        backchannel_logout_uri: `${rp}/backchannel-logout`,
        token_endpoint_auth_method: "client_secret_basic",
      },
    ]);
    accountId = await createAccount(sys, ali);
    demo = await startDemoEservice({
      issuer: sys.issuer,
      port,
      clientId: "demo-eservice",
      clientSecret: SECRET,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await (
      await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "fa-IR" })
    ).newPage();
  });
  after(async () => {
    await browser?.close();
    demo?.server.close();
    await sys?.stop();
  });

  test("sign in, consent, claims in Persian; listed on the account page; logout reaches the e-service", async () => {
    await page.goto(demo.url);
    await page.click("text=ورود با حساب سامانه مدیریت کاربران");
    await page.waitForSelector("h1:has-text('ورود به سیستم')");
    assert.match((await page.locator("#sso-service").textContent()) ?? "", new RegExp(SERVICE));
    assert.equal(await page.getAttribute("html", "dir"), "rtl");
    await assertAccessible(page, "SSO sign-in");

    await page.click("#f-nationalId");
    await page.keyboard.type(fa(ali.nationalId), { delay: 20 });
    await page.click("#f-password");
    await page.keyboard.type("Wrong2026x", { delay: 20 });
    await page.click("button:has-text('ورود')");
    await page.waitForSelector(".error-summary");
    await page.fill("#f-password", "");
    await page.click("#f-password");
    await page.keyboard.type(ali.password, { delay: 20 });
    const seen = await outboxNow(sys, ali.mobile);
    await page.click("button:has-text('ورود')");

    // The second factor on the same page: the SMS code, typed key by key in Persian digits.
    await page.waitForSelector("#second-factor #f-code");
    assert.equal(await page.getAttribute("#f-code", "autocomplete"), "one-time-code");
    await assertAccessible(page, "SSO second factor");
    await page.click("#f-code");
    await page.keyboard.type(fa(await signInCode(sys, ali.mobile, seen)), { delay: 20 });
    await page.click("#second-factor button[type=submit]");

    await page.waitForSelector("h1:has-text('اجازهٔ دسترسی به اطلاعات')");
    const consent = (await page.locator("main").textContent()) ?? "";
    assert.match(consent, new RegExp(SERVICE));
    assert.match(consent, /کد ملی/);
    assert.match(consent, /شماره همراه/);
    await assertAccessible(page, "SSO consent");
    await page.click("button:has-text('اجازه می‌دهم')");

    await page.waitForSelector("text=علی رضایی");
    const claims = (await page.locator("table").textContent()) ?? "";
    assert.match(claims, /۱۳۶۵\/۰۴\/۱۲/);
    assert.match(claims, /۰۰۱۲۳۴۵۶۷۹/);
    assert.match(claims, /مرد/);
    assert.match(claims, /تطبیق با ثبت احوال/);
    // +98… reads left to right inside the RTL page; on a 360 px phone nothing is wider than the screen.
    assert.equal(await page.locator("td bdi[dir=ltr]").first().textContent(), "+۹۸۹۱۲۱۲۳۴۵۶۷");
    await page.setViewportSize({ width: 360, height: 740 });
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 360);
    const table = await page.locator("table").boundingBox();
    const signOut = await page.locator("a:has-text('خروج')").boundingBox();
    assert.ok(
      table && signOut && signOut.y >= table.y + table.height,
      "«خروج» below the claims, not under them",
    );
    await page.setViewportSize({ width: 390, height: 844 });

    // «قطع دسترسی» asks first, then the demo is told (back-channel) and shows the person signed out.
    await page.goto(`${sys.issuer}/account`);
    await page.waitForSelector(`#eservices li:has-text('${SERVICE}')`);
    await assertAccessible(page, "account with e-services");
    await page.click(`#eservices li:has-text('${SERVICE}') button:has-text('قطع دسترسی')`);
    await page.waitForSelector("#eservices .panel:has-text('قطع شود؟')");
    await page.click("#eservices button:has-text('انصراف')");
    assert.equal(demo.logouts.length, 0, "cancelled: nothing revoked");
    await page.click(`#eservices li:has-text('${SERVICE}') button:has-text('قطع دسترسی')`);
    await page.click("#eservices button:has-text('بله، قطع شود')");
    await page.waitForSelector(`#eservices .notice:has-text('${SERVICE}')`);
    assert.equal(demo.logouts.length, 1, "the e-service got its back-channel logout");
    await page.goto(demo.url);
    await page.waitForSelector("text=ورود با حساب سامانه مدیریت کاربران");

    // Signed in again (Hoviat's session is still there): the consent is asked again.
    await page.click("text=ورود با حساب سامانه مدیریت کاربران");
    await page.waitForSelector("h1:has-text('اجازهٔ دسترسی به اطلاعات')");
    await page.click("button:has-text('اجازه می‌دهم')");
    await page.waitForSelector("text=علی رضایی");
    await page.click("text=خروج");
    await page.waitForSelector("h1:has-text('خروج از سامانه')");
    await assertAccessible(page, "SSO logout");
    await page.click("button:has-text('بله، خارج شوم')");
    await page.waitForSelector("text=ورود با حساب سامانه مدیریت کاربران");
    assert.equal(demo.logouts.length, 2, "the e-service got its back-channel logout");

    await page.goto(`${sys.issuer}/account`);
    await page.waitForSelector("text=ورود به سیستم");
  });

  test("step-up on a 360 px phone: signed in by password alone, an e-service asking aal:2 gets the SMS code asked first", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: "fa-IR" });
    const phone = await context.newPage();
    // A browser signed in to Hoviat by password alone (level 1), as SECOND_FACTOR=optional leaves one.
    const session = newSession(
      accountId,
      sys.clock.now(),
      { idleMinutes: 30, absoluteHours: 12 },
      { ip: "127.0.0.1", userAgent: "e2e" },
      { stage: "full", amr: ["pwd"], aal: 1 },
    );
    await sys.db.insertInto("sessions").values(session.row).execute();
    await context.addCookies([{ name: "hoviat_session", value: session.token, url: sys.issuer }]);
    // The e-service's callback: the code is read from Hoviat's redirect and exchanged by the test (the
    // demo, which did not start this flow, sends the browser home without touching it).
    let callback: URL | undefined;
    phone.on("response", (response) => {
      const location = response.headers().location;
      if (response.status() === 303 && location?.startsWith(callbackUrl)) callback = new URL(location);
    });
    const config = await relyingParty(sys.issuer, "demo-eservice", client.ClientSecretBasic(SECRET));
    const flow = await authorizationRequest(config, callbackUrl, { acr_values: AAL_VALUES[2] });

    await phone.goto(flow.url.href);
    await phone.waitForSelector("h1:has-text('تأیید بیشتر برای ورود')");
    assert.match((await phone.locator("#sso-service").textContent()) ?? "", new RegExp(SERVICE));
    await assertAccessible(phone, "SSO step-up");
    const seen = await outboxNow(sys, ali.mobile);
    await phone.click("button:has-text('ادامه')");
    await phone.waitForSelector("h1:has-text('مرحلهٔ دوم ورود')");
    await assertAccessible(phone, "SSO step-up: the code");
    // A wrong code first: told how many tries are left, still no code for the e-service.
    await phone.click("#f-code");
    await phone.keyboard.type(fa("000000"), { delay: 20 });
    await phone.click("#second-factor button[type=submit]");
    await phone.waitForSelector(".error-summary");
    assert.match((await phone.locator(".error-summary").textContent()) ?? "", /بار دیگر/);
    assert.equal(callback, undefined);
    // Reloaded half-way: the page asks the code again (the session is a half one now).
    await phone.reload();
    await phone.waitForSelector("h1:has-text('مرحلهٔ دوم ورود')");
    await phone.click("#f-code");
    await phone.keyboard.type(fa(await signInCode(sys, ali.mobile, seen)), { delay: 20 });
    await phone.click("#second-factor button[type=submit]");
    await phone.waitForURL(`${new URL(callbackUrl).origin}/`);
    const back = callback as URL | undefined;
    assert.ok(back?.searchParams.get("code"), "the consent given above is remembered: straight back");
    const tokens = await client.authorizationCodeGrant(config, back!, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.equal(tokens.claims()!.aal, AAL_VALUES[2]);
    assert.deepEqual(tokens.claims()!.amr, ["mfa", "pwd", "sms"]);
    await context.close();
  });
});
