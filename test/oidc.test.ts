// R-SSO with a relying-party library we did not write (openid-client): discovery, code + PKCE,
// userinfo, refresh rotation, and the refusals an attacker or a careless e-service meets.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import { ACR } from "../src/flows/oidc/claims.ts";
import { createAccount, latestCode, outboxNow } from "./helpers/accounts.ts";
import {
  Agent,
  authorizationRequest,
  giveSmsCode,
  oauthError,
  rp,
  SECRET,
  signIn,
  startOidcSystem,
} from "./helpers/oidc.ts";
import { abdollah, ali, mohammadreza, zahra } from "./helpers/people.ts";
import type { TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4101/cb";
const CLINIC = "http://localhost:4102/cb";
let sys: TestSystem & { issuer: string };
let tax: client.Configuration;
let clinic: client.Configuration;

before(async () => {
  sys = await startOidcSystem([
    {
      client_id: "tax",
      client_secret: SECRET,
      client_name: "سامانه مالیات",
      redirect_uris: [TAX],
      token_endpoint_auth_method: "client_secret_basic",
    },
    {
      client_id: "clinic",
      client_secret: SECRET,
      client_name: "نوبت‌دهی درمانگاه",
      redirect_uris: [CLINIC],
      token_endpoint_auth_method: "client_secret_basic",
      allowed_scopes: ["profile", "phone"],
    },
  ]);
  await createAccount(sys, ali);
  await createAccount(sys, zahra);
  await createAccount(sys, mohammadreza, "awaiting_branch_activation");
  await createAccount(sys, abdollah);
  tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
  clinic = await rp(sys.issuer, "clinic", client.ClientSecretBasic(SECRET));
});
after(async () => {
  await sys.stop();
});

const exchange = (
  config: client.Configuration,
  callback: URL,
  flow: { verifier: string; state: string; nonce: string },
) =>
  client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });

describe("OpenID Provider", () => {
  test("discovery: code flow only, S256, pairwise, the four client auth methods, acr values", () => {
    const m = tax.serverMetadata();
    assert.equal(m.issuer, sys.issuer);
    assert.deepEqual(m.response_types_supported, ["code"]);
    assert.deepEqual(m.code_challenge_methods_supported, ["S256"]);
    assert.deepEqual(m.subject_types_supported, ["pairwise"]);
    assert.deepEqual(m.token_endpoint_auth_methods_supported, [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
      "none",
    ]);
    assert.deepEqual(m.acr_values_supported, [
      ACR.REGISTRY_MOBILE,
      ACR.BRANCH_DOCUMENTS,
      "urn:hoviat:aal:2",
      "urn:hoviat:aal:phishing-resistant",
    ]);
    assert.ok(m.end_session_endpoint && m.jwks_uri && m.userinfo_endpoint);
    assert.equal(m.backchannel_logout_supported, true);
  });

  test("code + PKCE: ID token with acr and nonce, Persian claims from userinfo, refresh rotated", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX, {
      scope: "openid profile national_id phone email offline_access",
      prompt: "consent",
    });
    const callback = await signIn(agent, flow, ali);
    assert.equal(callback.searchParams.get("state"), flow.state);
    const tokens = await exchange(tax, callback, flow);
    const idToken = tokens.claims()!;
    assert.equal(idToken.acr, ACR.REGISTRY_MOBILE, "the token itself carries acr");
    assert.equal(idToken.nonce, flow.nonce);
    assert.notEqual(
      idToken.sub,
      (await sys.db.selectFrom("accounts").select("id").executeTakeFirstOrThrow()).id,
    );

    // Created with a confirmed email (helpers/accounts.ts); as registration leaves it, unconfirmed.
    await sys.db
      .updateTable("accounts")
      .set({ email_confirmed_at: null })
      .where("national_id", "=", ali.nationalId)
      .execute();
    const info = await client.fetchUserInfo(tax, tokens.access_token, idToken.sub);
    assert.equal(info.given_name, "علی");
    assert.equal(info.family_name, "رضایی");
    assert.equal(info.name, "علی رضایی");
    assert.equal(info.gender, "male");
    assert.equal(info.birthdate, "1986-07-03");
    assert.equal(info.birthdate_jalali, "1365-04-12");
    assert.equal(info.national_id, ali.nationalId);
    assert.equal(info.phone_number, "+989121234567");
    assert.equal(info.phone_number_verified, true);
    assert.equal(info.email, ali.email);
    assert.equal(info.email_verified, false);
    // Confirmed on the account pages by the code sent to it (in the browser that signed in, whose
    // Hoviat session is a full one): the e-services are told so.
    const cookie = `hoviat_session=${agent.cookies.get("hoviat_session")}`;
    const asked = await sys.app.inject({
      method: "POST",
      url: "/api/account/email/confirmation",
      headers: { cookie },
    });
    assert.equal(asked.statusCode, 202);
    const confirmed = await sys.app.inject({
      method: "POST",
      url: "/api/account/email/confirmation/verify",
      headers: { cookie },
      payload: { code: await latestCode(sys, ali.email) },
    });
    assert.equal(confirmed.statusCode, 200);
    const after = await client.fetchUserInfo(tax, tokens.access_token, idToken.sub);
    assert.equal(after.email_verified, true);

    assert.ok(tokens.refresh_token, "offline_access gives a refresh token");
    const second = await client.refreshTokenGrant(tax, tokens.refresh_token);
    assert.ok(second.refresh_token && second.refresh_token !== tokens.refresh_token, "rotated on use");
    assert.equal(await oauthError(client.refreshTokenGrant(tax, tokens.refresh_token)), "invalid_grant");
    assert.equal(
      await oauthError(client.refreshTokenGrant(tax, second.refresh_token)),
      "invalid_grant",
      "a reused refresh token revokes the whole family, the newest one too",
    );
    assert.equal(
      await oauthError(client.fetchUserInfo(tax, second.access_token, idToken.sub)),
      "invalid_token",
    );
  });

  test("no refresh token without offline_access", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX);
    const tokens = await exchange(tax, await signIn(agent, flow, zahra), flow);
    assert.equal(tokens.refresh_token, undefined);
  });

  test("a second e-service in the same browser asks only for its own consent; subjects are pairwise", async () => {
    const agent = new Agent(sys.issuer);
    const first = await authorizationRequest(tax, TAX);
    const taxTokens = await exchange(tax, await signIn(agent, first, zahra), first);
    const flow = await authorizationRequest(clinic, CLINIC, { scope: "openid profile phone" });
    const hop = await agent.follow(flow.url.href);
    const uid = new URL(hop.location!).pathname;
    const state = await agent.json("GET", `${uid}/state`);
    assert.equal(state.body.prompt, "consent", "no second password");
    assert.equal(state.body.service, "نوبت‌دهی درمانگاه");
    assert.deepEqual(state.body.scopes, ["profile", "phone"]);
    const clinicTokens = await exchange(clinic, await signIn(agent, flow), flow);
    assert.notEqual(clinicTokens.claims()!.sub, taxTokens.claims()!.sub, "one subject per sector");

    const again = await authorizationRequest(clinic, CLINIC, { scope: "openid profile phone" });
    const callback = new URL((await agent.follow(again.url.href)).location!);
    assert.ok(callback.searchParams.get("code"), "consent remembered: straight back with a code");
  });

  test("national_id only for e-services allowed that scope", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(clinic, CLINIC, { scope: "openid national_id" });
    const hop = await agent.follow(flow.url.href);
    const callback = new URL(hop.location!);
    assert.equal(callback.searchParams.get("error"), "invalid_scope");
  });

  test("an unregistered redirect URI is never redirected to", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, "https://attacker.example/cb");
    const response = await agent.fetch(flow.url.href);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("location"), null);
    const page = await response.text();
    assert.match(page, /dir="rtl"/);
    assert.match(page, /redirect_uri/);
  });

  test("PKCE is required: a request without code_challenge gets invalid_request, no code", async () => {
    const agent = new Agent(sys.issuer);
    const url = client.buildAuthorizationUrl(tax, { redirect_uri: TAX, scope: "openid", state: "s1" });
    const callback = new URL((await agent.follow(url.href)).location!);
    assert.equal(callback.origin + callback.pathname, TAX);
    assert.equal(callback.searchParams.get("error"), "invalid_request");
    assert.equal(callback.searchParams.get("code"), null);
  });

  test("a used code is refused and revokes what it gave", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX);
    const callback = await signIn(agent, flow, ali);
    const tokens = await exchange(tax, callback, flow);
    assert.equal(await oauthError(exchange(tax, callback, flow)), "invalid_grant");
    assert.equal(
      await oauthError(client.fetchUserInfo(tax, tokens.access_token, tokens.claims()!.sub)),
      "invalid_token",
    );
  });

  test("a burst of exchanges of one code yields tokens once", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX);
    const callback = await signIn(agent, flow, ali);
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => exchange(tax, callback, flow)));
    assert.ok(results.filter((r) => r.status === "fulfilled").length <= 1);
  });

  test("a wrong client secret is refused", async () => {
    const wrong = await rp(
      sys.issuer,
      "tax",
      client.ClientSecretBasic("not-the-secret-of-this-e-service-at-all"),
    );
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(wrong, TAX);
    const callback = await signIn(agent, flow, ali);
    assert.equal(await oauthError(exchange(wrong, callback, flow)), "invalid_client");
  });

  test("an account awaiting branch activation never gets a code: it is told where to go", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX);
    const hop = await agent.follow(flow.url.href);
    const base = new URL(hop.location!).pathname;
    const res = await agent.json("POST", `${base}/login`, mohammadreza);
    assert.equal(res.status, 403);
    assert.equal(res.body.status, "awaiting_branch_activation");
    assert.match(res.body.title, /شعبه/);
    const back = await agent.follow(flow.url.href);
    assert.match(
      new URL(back.location!).pathname,
      /^\/oidc\/interaction\//,
      "still asked to sign in, no code",
    );
  });

  test("a locked account's code, refresh token and access token are refused before anything revokes them", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX, { scope: "openid offline_access", prompt: "consent" });
    const tokens = await exchange(tax, await signIn(agent, flow, zahra), flow);
    const next = await authorizationRequest(tax, TAX);
    const callback = await signIn(agent, next);
    const setStatus = (status: "locked" | "active") =>
      sys.db.updateTable("accounts").set({ status }).where("national_id", "=", zahra.nationalId).execute();
    // Only the status changes here: no session or token is revoked, so the grants themselves must refuse.
    await setStatus("locked");
    try {
      assert.equal(await oauthError(client.refreshTokenGrant(tax, tokens.refresh_token!)), "invalid_grant");
      assert.equal(await oauthError(exchange(tax, callback, next)), "invalid_grant");
      assert.equal(
        await oauthError(client.fetchUserInfo(tax, tokens.access_token, tokens.claims()!.sub)),
        "invalid_token",
      );
    } finally {
      await setStatus("active");
    }
    const again = await client.refreshTokenGrant(tax, tokens.refresh_token!);
    assert.ok(again.refresh_token, "the refusal consumed nothing, and the unlock is read at once");
  });

  test("acr_values: a stronger proof than asked is honoured; a weaker one is refused", async () => {
    const agent = new Agent(sys.issuer);
    const weak = await authorizationRequest(tax, TAX, { acr_values: ACR.BRANCH_DOCUMENTS });
    const refused = await signIn(agent, weak, zahra);
    assert.equal(refused.searchParams.get("error"), "unmet_authentication_requirements");
    const ok = await authorizationRequest(tax, TAX, { acr_values: ACR.REGISTRY_MOBILE });
    const tokens = await exchange(tax, await signIn(new Agent(sys.issuer), ok, zahra), ok);
    assert.equal(tokens.claims()!.acr, ACR.REGISTRY_MOBILE);
  });

  test("abort («انصراف») returns access_denied to the e-service", async () => {
    const agent = new Agent(sys.issuer);
    const flow = await authorizationRequest(tax, TAX, { prompt: "consent" });
    const hop = await agent.follow(flow.url.href);
    const base = new URL(hop.location!).pathname;
    // Someone whose sign-in codes of the hour are not spent by the tests above (per-account SMS caps).
    const seen = await outboxNow(sys, abdollah.mobile);
    const login = await agent.json("POST", `${base}/login`, abdollah);
    assert.equal(login.body.prompt, "second_factor");
    await giveSmsCode(agent, abdollah.mobile, seen);
    const signedIn = await agent.json("GET", `${base}/state`);
    const consent = new URL((await agent.follow(signedIn.body.redirectTo)).location!).pathname;
    const abort = await agent.json("POST", `${consent}/abort`);
    const callback = new URL((await agent.follow(abort.body.redirectTo)).location!);
    assert.equal(callback.searchParams.get("error"), "access_denied");
    assert.equal(callback.searchParams.get("state"), flow.state);
  });
});
