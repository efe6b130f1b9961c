// A browser app with no secret signs a person in through Hoviat's pages (issue 20): a single page
// served from its own origin runs oauth4webapi in Chromium — PKCE S256, the code exchanged and the
// claims read by cross-origin fetch, which Hoviat allows for this e-service's origin and no other.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { createAccount, outboxNow, signInCode } from "../helpers/accounts.ts";
import { freePort, startOidcSystem } from "../helpers/oidc.ts";
import { zahra } from "../helpers/people.ts";
import type { TestSystem } from "../helpers/system.ts";
import { CHROMIUM, CHROMIUM_ARGS, skipBrowser } from "./browser.ts";

const library = readFileSync(createRequire(import.meta.url).resolve("oauth4webapi"), "utf8");

/** The whole app: one page, the library beside it. `/cb` finishes the sign-in. */
function spaPage(issuer: string) {
  return `<!doctype html><html dir="rtl" lang="fa"><head><meta charset="utf-8"><title>میز خدمت</title></head>
<body><button id="login">ورود با حساب سامانه مدیریت کاربران</button><p id="out"></p>
<script type="module">
import * as oauth from "/oauth4webapi.js";
const out = document.getElementById("out");
try {
  const issuer = new URL(${JSON.stringify(issuer)});
  const options = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  const client = { client_id: "spa" };
  const redirectUri = location.origin + "/cb";
  if (location.pathname === "/cb") {
    const params = oauth.validateAuthResponse(as, client, new URL(location.href), sessionStorage.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as, client, oauth.None(), params, redirectUri, sessionStorage.verifier, options);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: sessionStorage.nonce, requireIdToken: true });
    const { sub } = oauth.getValidatedIdTokenClaims(tokens);
    const info = await oauth.processUserInfoResponse(
      as, client, sub, await oauth.userInfoRequest(as, client, tokens.access_token, options));
    out.textContent = "signed-in:" + info.name;
  } else {
    document.getElementById("login").onclick = async () => {
      sessionStorage.verifier = oauth.generateRandomCodeVerifier();
      sessionStorage.state = oauth.generateRandomState();
      sessionStorage.nonce = oauth.generateRandomNonce();
      const url = new URL(as.authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: client.client_id, redirect_uri: redirectUri, response_type: "code",
        scope: "openid profile", state: sessionStorage.state, nonce: sessionStorage.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(sessionStorage.verifier),
        code_challenge_method: "S256",
      });
      location.assign(url);
    };
    out.textContent = "ready";
  }
} catch (error) {
  out.textContent = "failed:" + error.message + " " + JSON.stringify(error.cause ?? "");
}
</script></body></html>`;
}

async function serveSpa(port: number, issuer: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/oauth4webapi.js")
      return res.writeHead(200, { "content-type": "text/javascript" }).end(library);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(spaPage(issuer));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return server;
}

describe("a browser app with no secret", { skip: skipBrowser }, () => {
  let sys: TestSystem & { issuer: string };
  let spa: Server;
  let evil: Server;
  let spaUrl: string;
  let evilUrl: string;
  let browser: Browser;

  before(async () => {
    const [port, evilPort] = [await freePort(), await freePort()];
    spaUrl = `http://127.0.0.1:${port}`;
    evilUrl = `http://127.0.0.1:${evilPort}`;
    sys = await startOidcSystem([
      {
        client_id: "spa",
        client_name: "میز خدمت",
        redirect_uris: [`${spaUrl}/cb`],
        token_endpoint_auth_method: "none",
      },
    ]);
    await createAccount(sys, zahra);
    spa = await serveSpa(port, sys.issuer);
    // The same app served from another origin: Hoviat must not answer its cross-origin calls.
    evil = await serveSpa(evilPort, sys.issuer);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    await browser?.close();
    spa?.close();
    evil?.close();
    await sys?.stop();
  });

  async function signInThroughHoviat(page: Page) {
    await page.click("#login");
    await page.waitForSelector("h1:has-text('ورود به سیستم')");
    await page.click("#f-nationalId");
    await page.keyboard.type(fa(zahra.nationalId), { delay: 10 });
    await page.click("#f-password");
    await page.keyboard.type(zahra.password, { delay: 10 });
    const seen = await outboxNow(sys, zahra.mobile);
    await page.click("button:has-text('ورود')");
    await page.waitForSelector("#second-factor #f-code");
    await page.click("#f-code");
    await page.keyboard.type(fa(await signInCode(sys, zahra.mobile, seen)), { delay: 10 });
    await page.click("#second-factor button[type=submit]");
    await page.waitForSelector("h1:has-text('اجازهٔ دسترسی به اطلاعات')");
    await page.click("button:has-text('اجازه می‌دهم')");
  }

  test("PKCE in the browser, the code exchanged and the claims read across origins", async () => {
    const page = await (await browser.newContext({ viewport: { width: 360, height: 740 } })).newPage();
    await page.goto(spaUrl);
    await page.waitForSelector("#out:has-text('ready')");
    await signInThroughHoviat(page);
    await page.waitForURL(`${spaUrl}/cb?**`);
    await page.waitForSelector("#out:not(:empty)");
    assert.equal(await page.textContent("#out"), `signed-in:${zahra.firstName} ${zahra.lastName}`);
  });

  test("another origin gets the person's code nowhere and cannot call the token endpoint", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(evilUrl);
    await page.waitForSelector("#out:has-text('ready')");
    // Its redirect URI is not registered: Hoviat shows its own error page and never redirects.
    await page.click("#login");
    await page.waitForSelector("text=redirect_uri");
    assert.ok(page.url().startsWith(sys.issuer));
    // A token request from its origin (a stolen code, say) is refused by the browser: no CORS header.
    await page.goto(evilUrl);
    const answer = await page.evaluate(async (issuer) => {
      try {
        await fetch(`${issuer}/oidc/token`, {
          method: "POST",
          body: new URLSearchParams({ grant_type: "authorization_code", client_id: "spa", code: "x" }),
        });
        return "read";
      } catch {
        return "blocked";
      }
    }, sys.issuer);
    assert.equal(answer, "blocked");
  });
});
