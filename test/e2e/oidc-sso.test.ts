// R-SSO in a browser: the demo e-service (demo/eservice.ts, openid-client) sends the person to
// Hoviat's Persian «ورود به سیستم», then to the consent naming the e-service, and shows the claims;
// the account page lists the e-service; logout from the e-service confirms in Persian and reaches
// it back-channel. Typed key by key, axe on each Hoviat page.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { startDemoEservice } from "../../demo/eservice.ts";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { createAccount } from "../helpers/accounts.ts";
import { freePort, SECRET, startOidcSystem } from "../helpers/oidc.ts";
import { ali } from "../helpers/people.ts";
import type { TestSystem } from "../helpers/system.ts";
import { assertAccessible, CHROMIUM, CHROMIUM_ARGS, skipBrowser } from "./browser.ts";

const SERVICE = "سامانهٔ نمونهٔ خدمات الکترونیکی";

describe("single sign-on through Hoviat's pages", { skip: skipBrowser }, () => {
  let sys: TestSystem & { issuer: string };
  let demo: Awaited<ReturnType<typeof startDemoEservice>>;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const port = await freePort();
    const rp = `http://127.0.0.1:${port}`;
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
    await createAccount(sys, ali);
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
    await page.click("button:has-text('ورود')");

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

    await page.goto(`${sys.issuer}/account`);
    await page.waitForSelector(`#eservices li:has-text('${SERVICE}')`);
    await assertAccessible(page, "account with e-services");

    await page.goto(demo.url);
    await page.click("text=خروج");
    await page.waitForSelector("h1:has-text('خروج از سامانه')");
    await assertAccessible(page, "SSO logout");
    await page.click("button:has-text('بله، خارج شوم')");
    await page.waitForSelector("text=ورود با حساب سامانه مدیریت کاربران");
    assert.equal(demo.logouts.length, 1, "the e-service got its back-channel logout");

    await page.goto(`${sys.issuer}/account`);
    await page.waitForSelector("text=ورود به سیستم");
  });
});
