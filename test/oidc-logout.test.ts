// R-SSO logout: RP-initiated logout and back-channel logout to every e-service of the session, and
// Hoviat's own endings (logout, password reset, admin lock) reaching the e-services; the holder's
// list of e-services with «قطع دسترسی»; private_key_jwt.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import * as client from "openid-client";
import { setCitizenLock } from "../src/flows/staff/admin.ts";
import { createAccount, outboxNow } from "./helpers/accounts.ts";
import {
  Agent,
  authorizationRequest,
  backchannelListener,
  oauthError,
  rp,
  SECRET,
  signIn,
  startOidcSystem,
} from "./helpers/oidc.ts";
import { ali, zahra } from "./helpers/people.ts";
import { eventually, type TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4101/cb";
const CLINIC = "http://localhost:4102/cb";
const CLINIC_HOME = "http://localhost:4102/";
let sys: TestSystem & { issuer: string };
let tax: client.Configuration;
let clinic: client.Configuration;
let pension: client.Configuration;
let taxChannel: Awaited<ReturnType<typeof backchannelListener>>;
let clinicChannel: Awaited<ReturnType<typeof backchannelListener>>;

before(async () => {
  taxChannel = await backchannelListener();
  clinicChannel = await backchannelListener();
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  sys = await startOidcSystem([
    {
      client_id: "tax",
      client_secret: SECRET,
      client_name: "سامانه مالیات",
      redirect_uris: [TAX],
      backchannel_logout_uri: taxChannel.url,
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: "clinic",
      client_secret: SECRET,
      client_name: "نوبت‌دهی درمانگاه",
      redirect_uris: [CLINIC],
      post_logout_redirect_uris: [CLINIC_HOME],
      backchannel_logout_uri: clinicChannel.url,
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: "pension",
      client_name: "مستمری",
      redirect_uris: ["http://127.0.0.1:4103/cb"],
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: "ES256", use: "sig" }] },
    },
  ]);
  await createAccount(sys, ali);
  await createAccount(sys, zahra);
  tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
  clinic = await rp(sys.issuer, "clinic", client.ClientSecretBasic(SECRET));
  pension = await rp(sys.issuer, "pension", client.PrivateKeyJwt(privateKey));
});
after(async () => {
  await sys.stop();
  await taxChannel.close();
  await clinicChannel.close();
});

async function signedIn(
  agent: Agent,
  config: client.Configuration,
  redirect: string,
  person = ali,
  scope = "openid profile",
) {
  const flow = await authorizationRequest(config, redirect, {
    scope,
    ...(scope.includes("offline_access") ? { prompt: "consent" } : {}),
  });
  const callback = await signIn(agent, flow, person);
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });
}

async function logoutToken(channel: typeof taxChannel, count: number) {
  const token = await eventually(async () => channel.tokens[count - 1]);
  const jwks = createRemoteJWKSet(new URL(`${sys.issuer}/oidc/jwks`));
  return (await jwtVerify(token, jwks, { issuer: sys.issuer })).payload;
}

describe("SSO logout", () => {
  test("RP-initiated logout: confirmed in Persian, back-channel to every e-service, back to the e-service", async () => {
    const agent = new Agent(sys.issuer);
    const taxTokens = await signedIn(agent, tax, TAX);
    const clinicTokens = await signedIn(agent, clinic, CLINIC);
    const before = { tax: taxChannel.tokens.length, clinic: clinicChannel.tokens.length };
    const end = client.buildEndSessionUrl(clinic, {
      id_token_hint: clinicTokens.id_token!,
      post_logout_redirect_uri: CLINIC_HOME,
      state: "bye",
    });
    const page = await agent.fetch(end.href);
    const html = await page.text();
    assert.equal(page.status, 200);
    assert.match(html, /dir="rtl"/);
    assert.match(html, /نوبت‌دهی درمانگاه/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(xsrf);
    const confirm = await agent.fetch("/oidc/session/end/confirm", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }),
    });
    assert.equal(confirm.status, 303);
    assert.equal(confirm.headers.get("location"), `${CLINIC_HOME}?state=bye`);

    const forTax = await logoutToken(taxChannel, before.tax + 1);
    const forClinic = await logoutToken(clinicChannel, before.clinic + 1);
    assert.equal(forTax.aud, "tax");
    assert.equal(forTax.sub, taxTokens.claims()!.sub, "the e-service's own pairwise subject");
    assert.equal(forClinic.sid, clinicTokens.claims()!.sid);
    assert.ok(
      (forClinic.events as Record<string, unknown>)["http://schemas.openid.net/event/backchannel-logout"],
    );
    assert.equal(
      await oauthError(client.fetchUserInfo(tax, taxTokens.access_token, forTax.sub!)),
      "invalid_token",
    );

    const me = await agent.json("GET", "/api/me");
    assert.equal(me.status, 401, "signed out of Hoviat too");
  });

  test("logging out of Hoviat's pages ends the SSO session and tells the e-services", async () => {
    const agent = new Agent(sys.issuer);
    const tokens = await signedIn(agent, tax, TAX);
    const count = taxChannel.tokens.length;
    assert.equal((await agent.json("POST", "/api/logout")).status, 204);
    const notice = await logoutToken(taxChannel, count + 1);
    assert.equal(notice.sub, tokens.claims()!.sub);
    const again = await authorizationRequest(tax, TAX);
    const hop = await agent.follow(again.url.href);
    const state = await agent.json("GET", `${new URL(hop.location!).pathname}/state`);
    assert.equal(state.body.prompt, "login", "asked for the password again");
  });

  test("a password reset ends every SSO session, offline tokens too", async () => {
    const agent = new Agent(sys.issuer);
    const tokens = await signedIn(agent, tax, TAX, zahra, "openid offline_access");
    const count = taxChannel.tokens.length;
    // The sign-in's own SMS code is in the outbox too: the recovery code is the text that is new.
    const seen = new Set(await outboxNow(sys, zahra.mobile));
    const start = await sys.app.inject({
      method: "POST",
      url: "/api/password-recovery",
      payload: { nationalId: zahra.nationalId, method: "sms" },
    });
    const { recoveryId } = start.json();
    const code = await eventually(
      async () => (await outboxNow(sys, zahra.mobile)).find((t) => !seen.has(t))?.match(/\b(\d{6})\b/)?.[1],
    );
    const verified = await sys.app.inject({
      method: "POST",
      url: `/api/password-recovery/${recoveryId}/verify`,
      payload: { code },
    });
    const newPassword = "Another2026y";
    const reset = await sys.app.inject({
      method: "POST",
      url: `/api/password-recovery/${recoveryId}/reset`,
      payload: {
        resetToken: verified.json().resetToken,
        password: newPassword,
        passwordConfirmation: newPassword,
      },
    });
    assert.equal(reset.statusCode, 204);
    await logoutToken(taxChannel, count + 1);
    assert.equal(await oauthError(client.refreshTokenGrant(tax, tokens.refresh_token!)), "invalid_grant");
    zahra.password = newPassword;
    zahra.passwordConfirmation = newPassword;
  });

  test("an admin lock ends the SSO sessions; the account's tokens stop working", async () => {
    const agent = new Agent(sys.issuer);
    const tokens = await signedIn(agent, tax, TAX, ali, "openid offline_access");
    const count = taxChannel.tokens.length;
    const client_ = { ip: "127.0.0.1", userAgent: "test" };
    await setCitizenLock(
      sys.db,
      sys.jobs,
      null,
      ali.nationalId,
      true,
      { reason: "گزارش سرقت گوشی" },
      client_,
      sys.clock.now(),
    );
    await logoutToken(taxChannel, count + 1);
    assert.equal(await oauthError(client.refreshTokenGrant(tax, tokens.refresh_token!)), "invalid_grant");
    await setCitizenLock(
      sys.db,
      sys.jobs,
      null,
      ali.nationalId,
      false,
      { reason: "پیدا شد" },
      client_,
      sys.clock.now(),
    );
  });

  test("the holder revokes one e-service («قطع دسترسی»): consent and tokens go, a back-channel logout to it alone", async () => {
    const agent = new Agent(sys.issuer);
    const taxTokens = await signedIn(agent, tax, TAX);
    const tokens = await signedIn(agent, clinic, CLINIC, ali, "openid profile offline_access");
    const before = { tax: taxChannel.tokens.length, clinic: clinicChannel.tokens.length };
    const list = await agent.json("GET", "/api/account/eservices");
    assert.equal(list.status, 200);
    const entry = list.body.find((e: { clientId: string }) => e.clientId === "clinic");
    assert.equal(entry.name, "نوبت‌دهی درمانگاه");
    assert.ok(entry.scopes.includes("profile"));
    assert.equal((await agent.json("DELETE", "/api/account/eservices/clinic")).status, 204);
    const notice = await logoutToken(clinicChannel, before.clinic + 1);
    assert.equal(notice.sid, tokens.claims()!.sid, "the session the person signed in to it with");
    assert.equal(notice.sub, tokens.claims()!.sub);
    assert.equal(taxChannel.tokens.length, before.tax, "the other e-service is not signed out");
    assert.ok((await client.fetchUserInfo(tax, taxTokens.access_token, taxTokens.claims()!.sub)).sub);
    assert.equal(await oauthError(client.refreshTokenGrant(clinic, tokens.refresh_token!)), "invalid_grant");
    const again = await authorizationRequest(clinic, CLINIC);
    const hop = await agent.follow(again.url.href);
    const state = await agent.json("GET", `${new URL(hop.location!).pathname}/state`);
    assert.equal(state.body.prompt, "consent", "the consent is asked again");
    const events = await agent.json("GET", "/api/account/security-events");
    const types = events.body.map((e: { type: string }) => e.type);
    assert.ok(types.includes("sso.granted") && types.includes("sso.revoked"));
    assert.equal((await agent.json("DELETE", "/api/account/eservices/clinic")).status, 404);
  });

  test("private_key_jwt: an e-service that signs its own assertion gets tokens", async () => {
    const tokens = await signedIn(new Agent(sys.issuer), pension, "http://127.0.0.1:4103/cb", zahra);
    assert.ok(tokens.access_token);
  });
});
