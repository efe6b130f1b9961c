// Every kind of e-service signs in (issue 20), each through Hoviat's pages and with a library we did
// not write: a server app with its secret in the body (openid-client, and the raw form Passport's
// `oauth` package posts), a browser app with no secret (oauth4webapi, CORS for its origin only), a
// native app (RFC 8252: private-use scheme, loopback on any port), and DPoP-bound tokens.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import * as oauth from "oauth4webapi";
import * as client from "openid-client";
import { createClientFromArgs } from "../src/flows/oidc/cli.ts";
import { parseClientInput } from "../src/flows/oidc/client-input.ts";
import { loadConfig } from "../src/platform/config.ts";
import { createAccount } from "./helpers/accounts.ts";
import {
  Agent,
  authorizationRequest,
  rp,
  SECRET,
  serverClient,
  signIn,
  startOidcSystem,
} from "./helpers/oidc.ts";
import { abdollah, ali, zahra } from "./helpers/people.ts";
import type { TestSystem } from "./helpers/system.ts";

const RECORDS = "http://127.0.0.1:4201/cb";
const SPA_ORIGIN = "http://127.0.0.1:4202";
const SPA = `${SPA_ORIGIN}/cb`;
const APP_SCHEME = "ir.example.app:/callback";
const { secretKey } = loadConfig({ NODE_ENV: "test" });
let sys: TestSystem & { issuer: string };

before(async () => {
  sys = await startOidcSystem([
    serverClient("records", "سوابق بیمه", RECORDS, { token_endpoint_auth_method: "client_secret_post" }),
    {
      client_id: "spa",
      client_name: "میز خدمت",
      redirect_uris: [SPA],
      token_endpoint_auth_method: "none",
    },
    {
      client_id: "bound",
      client_name: "پرونده پزشکی",
      redirect_uris: [SPA],
      token_endpoint_auth_method: "none",
      dpop_bound_access_tokens: true,
    },
  ]);
  await createAccount(sys, ali);
  await createAccount(sys, zahra);
  await createAccount(sys, abdollah);
});
after(async () => {
  await sys.stop();
});

/** oauth4webapi as a browser app would run it: every request carries the page's Origin. */
async function browserApp(clientId: string, origin = SPA_ORIGIN) {
  const issuer = new URL(sys.issuer);
  const options = {
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: (url: string, init: RequestInit) =>
      fetch(url, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers)), origin } }),
  };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  return { as, client: { client_id: clientId } as oauth.Client, options };
}

/** Code + PKCE through Hoviat's pages for a client described by oauth4webapi. */
async function signInWith(
  app: Awaited<ReturnType<typeof browserApp>>,
  redirectUri: string,
  person: typeof ali,
  scope = "openid profile phone offline_access",
) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(app.as.authorization_endpoint!);
  for (const [k, v] of Object.entries({
    client_id: app.client.client_id,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    state,
    prompt: "consent",
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }))
    url.searchParams.set(k, v);
  const callback = await signIn(new Agent(sys.issuer), { url, verifier, state, nonce: "" }, person);
  const params = oauth.validateAuthResponse(app.as, app.client, callback, state);
  return { params, verifier };
}

/** How long a grant was saved for, in seconds. */
async function grantLife(grantId: string) {
  const row = await sys.db
    .selectFrom("oidc_payloads")
    .select("payload")
    .where("model", "=", "Grant")
    .where("id", "=", grantId)
    .executeTakeFirstOrThrow();
  const { exp, iat } = row.payload as { exp: number; iat: number };
  return exp - iat;
}

/** The browser app's code exchange (no secret: PKCE alone), with the page's Origin. */
const codeGrant = (
  app: Awaited<ReturnType<typeof browserApp>>,
  flow: { params: URLSearchParams; verifier: string },
  extra: oauth.TokenEndpointRequestOptions = {},
) =>
  oauth.authorizationCodeGrantRequest(app.as, app.client, oauth.None(), flow.params, SPA, flow.verifier, {
    ...app.options,
    ...extra,
  });

describe("every kind of e-service", () => {
  test("discovery offers the four client authentication methods and DPoP", async () => {
    const config = await rp(sys.issuer, "records", client.ClientSecretPost(SECRET));
    const m = config.serverMetadata();
    assert.deepEqual(m.token_endpoint_auth_methods_supported, [
      "client_secret_basic",
      "client_secret_post",
      "private_key_jwt",
      "none",
    ]);
    assert.ok(m.dpop_signing_alg_values_supported?.includes("ES256"));
  });

  test("a server app with its secret in the body (openid-client): signs in, reads the claims", async () => {
    const config = await rp(sys.issuer, "records", client.ClientSecretPost(SECRET));
    const flow = await authorizationRequest(config, RECORDS, { scope: "openid profile phone" });
    const callback = await signIn(new Agent(sys.issuer), flow, ali);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.given_name, "علی");
    assert.equal(info.phone_number, "+989121234567");
    const grants = await sys.db
      .selectFrom("oidc_payloads")
      .select("id")
      .where("model", "=", "Grant")
      .where(sql<string>`payload->>'clientId'`, "=", "records")
      .execute();
    assert.equal(await grantLife(grants[0]!.id), 30 * 24 * 3600, "a server app's grant: 30 days");
  });

  test("the same with the form Passport's oauth package posts: a wrong secret refused, the right one served", async () => {
    const config = await rp(sys.issuer, "records", client.ClientSecretPost(SECRET));
    const flow = await authorizationRequest(config, RECORDS);
    const callback = await signIn(new Agent(sys.issuer), flow, zahra);
    const form = {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: RECORDS,
      code_verifier: flow.verifier,
    };
    const wrong = await fetch(`${sys.issuer}/oidc/token`, {
      method: "POST",
      body: new URLSearchParams({ ...form, client_id: "records", client_secret: `${SECRET}x` }),
    });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${sys.issuer}/oidc/token`, {
      method: "POST",
      body: new URLSearchParams({ ...form, client_id: "records", client_secret: SECRET }),
    });
    const body = (await right.json()) as { access_token?: string; id_token?: string };
    assert.equal(right.status, 200, JSON.stringify(body));
    assert.ok(body.access_token && body.id_token);
  });

  test("a browser app with no secret (oauth4webapi): CORS for its origin, refresh rotated, revoked", async () => {
    const app = await browserApp("spa");
    const { params, verifier } = await signInWith(app, SPA, ali);
    const response = await codeGrant(app, { params, verifier });
    assert.equal(response.headers.get("access-control-allow-origin"), SPA_ORIGIN);
    const tokens = await oauth.processAuthorizationCodeResponse(app.as, app.client, response);
    const sub = oauth.getValidatedIdTokenClaims(tokens)!.sub;

    const me = await oauth.userInfoRequest(app.as, app.client, tokens.access_token, app.options);
    assert.equal(me.headers.get("access-control-allow-origin"), SPA_ORIGIN);
    assert.equal((await oauth.processUserInfoResponse(app.as, app.client, sub, me)).family_name, "رضایی");

    // Rotated on every use; the one used is dead; a public client's lives 30 days from its use.
    const refreshed = await oauth.processRefreshTokenResponse(
      app.as,
      app.client,
      await oauth.refreshTokenGrantRequest(
        app.as,
        app.client,
        oauth.None(),
        tokens.refresh_token!,
        app.options,
      ),
    );
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== tokens.refresh_token);
    const reused = await oauth.refreshTokenGrantRequest(
      app.as,
      app.client,
      oauth.None(),
      tokens.refresh_token!,
      app.options,
    );
    assert.equal(reused.status, 400);
    assert.equal(((await reused.json()) as { error: string }).error, "invalid_grant");

    // The reuse revoked the family; a new sign-in, then the app revokes its refresh token itself.
    const again = await signInWith(app, SPA, ali);
    const fresh = await oauth.processAuthorizationCodeResponse(
      app.as,
      app.client,
      await codeGrant(app, again),
    );
    const stored = await sys.db
      .selectFrom("oidc_payloads")
      .select("payload")
      .where("model", "=", "RefreshToken")
      .orderBy("expires_at", "desc")
      .executeTakeFirstOrThrow();
    const { exp, iat } = stored.payload as { exp: number; iat: number };
    assert.equal(exp - iat, 30 * 24 * 3600, "30 days from the last use");
    const { grantId } = stored.payload as { grantId: string };
    assert.equal(
      await grantLife(grantId),
      365 * 24 * 3600,
      "the grant outlives the refresh tokens it rotates through",
    );
    const revoked = await oauth.revocationRequest(
      app.as,
      app.client,
      oauth.None(),
      fresh.refresh_token!,
      app.options,
    );
    assert.equal(revoked.headers.get("access-control-allow-origin"), SPA_ORIGIN);
    await oauth.processRevocationResponse(revoked);
    const dead = await oauth.refreshTokenGrantRequest(
      app.as,
      app.client,
      oauth.None(),
      fresh.refresh_token!,
      app.options,
    );
    assert.equal(dead.status, 400);
  });

  test("another site's page cannot use a browser app's tokens: no CORS for a foreign origin, never *", async () => {
    const app = await browserApp("spa", "https://evil.example");
    const { params, verifier } = await signInWith(app, SPA, zahra, "openid profile");
    const response = await codeGrant(app, { params, verifier });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get("access-control-allow-origin"), null);
    const preflight = await fetch(`${sys.issuer}/oidc/token`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.notEqual(preflight.headers.get("access-control-allow-origin"), "*");
  });

  test("a public client without PKCE gets no code", async () => {
    const url = new URL(`${sys.issuer}/oidc/auth`);
    url.search = new URLSearchParams({
      client_id: "spa",
      redirect_uri: SPA,
      response_type: "code",
      scope: "openid",
    }).toString();
    const hop = await new Agent(sys.issuer).follow(url.href);
    assert.equal(new URL(hop.location!).searchParams.get("error"), "invalid_request");
  });

  test("DPoP: accepted from any client, required of one registered with dpop_bound_access_tokens", async () => {
    const app = await browserApp("bound");
    const { params, verifier } = await signInWith(app, SPA, ali, "openid profile");
    const bearer = await codeGrant(app, { params, verifier });
    assert.equal(bearer.status, 400, "a bound client's code is not exchanged without a proof");

    const again = await signInWith(app, SPA, ali, "openid profile");
    const DPoP = oauth.DPoP(app.client, await oauth.generateKeyPair("ES256"));
    const exchange = () => codeGrant(app, again, { DPoP });
    let response = await exchange();
    // oidc-provider may ask for a nonce first (RFC 9449 §8); oauth4webapi keeps it for the retry.
    if (response.status === 400 && response.headers.has("dpop-nonce")) response = await exchange();
    const tokens = await oauth.processAuthorizationCodeResponse(app.as, app.client, response);
    assert.equal(tokens.token_type, "dpop");
    const sub = oauth.getValidatedIdTokenClaims(tokens)!.sub;
    const info = await oauth.processUserInfoResponse(
      app.as,
      app.client,
      sub,
      await oauth.userInfoRequest(app.as, app.client, tokens.access_token, { ...app.options, DPoP }),
    );
    assert.equal(info.given_name, "علی");
    const asBearer = await fetch(app.as.userinfo_endpoint!, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(asBearer.status, 401, "a DPoP-bound token is no bearer token");

    // A server app may bind its tokens too (openid-client's DPoP handle).
    const records = await rp(sys.issuer, "records", client.ClientSecretPost(SECRET));
    const flow = await authorizationRequest(records, RECORDS);
    const callback = await signIn(new Agent(sys.issuer), flow, zahra);
    const handle = client.getDPoPHandle(records, await client.randomDPoPKeyPair());
    const bound = await client.authorizationCodeGrant(
      records,
      callback,
      { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce },
      undefined,
      { DPoP: handle },
    );
    assert.equal(bound.token_type, "dpop");
  });

  test("a native app registered by the CLI: its private-use scheme, and loopback on any port (RFC 8252)", async () => {
    const out = { log: () => {}, error: (m: string) => assert.fail(m) };
    const register = (id: string, uri: string) =>
      createClientFromArgs(
        sys.db,
        secretKey,
        ["--id", id, "--name", "اپ همراه", "--redirect-uri", uri, "--auth", "none", "--app", "native"],
        sys.clock.now(),
        out,
      );
    assert.equal(await register("mobile", APP_SCHEME), 0);
    assert.equal(await register("desktop", "http://127.0.0.1/callback"), 0);

    for (const [id, redirect] of [
      ["mobile", APP_SCHEME],
      ["desktop", "http://127.0.0.1:51234/callback"],
    ] as const) {
      const config = await rp(sys.issuer, id, client.None());
      const flow = await authorizationRequest(config, redirect, { scope: "openid profile" });
      const callback = await signIn(new Agent(sys.issuer), flow, abdollah);
      assert.equal(callback.href.split("?")[0], redirect);
      const tokens = await client.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce },
        { redirect_uri: redirect },
      );
      const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      assert.equal(info.given_name, "عبد الله");
    }
    // Another host, or another path, is never redirected to; a web client gets no port leeway.
    const desktop = await rp(sys.issuer, "desktop", client.None());
    for (const uri of ["http://127.0.0.1:51234/other", "http://evil.example:51234/callback"]) {
      const flow = await authorizationRequest(desktop, uri);
      const response = await new Agent(sys.issuer).fetch(flow.url.href);
      assert.equal(response.status, 400, uri);
    }
    const spa = await rp(sys.issuer, "spa", client.None());
    const moved = await authorizationRequest(spa, "http://127.0.0.1:4999/cb");
    assert.equal((await new Agent(sys.issuer).fetch(moved.url.href)).status, 400);
  });

  test("two native apps never share a subject (no host to be a sector)", async () => {
    const out = { log: () => {}, error: (m: string) => assert.fail(m) };
    const args = [
      "--name",
      "اپ دیگر",
      "--redirect-uri",
      "ir.example.other:/cb",
      "--auth",
      "none",
      "--app",
      "native",
    ];
    assert.equal(
      await createClientFromArgs(sys.db, secretKey, ["--id", "other", ...args], sys.clock.now(), out),
      0,
    );
    const subs: string[] = [];
    for (const [id, redirect] of [
      ["other", "ir.example.other:/cb"],
      ["mobile", APP_SCHEME],
    ] as const) {
      const config = await rp(sys.issuer, id, client.None());
      const flow = await authorizationRequest(config, redirect, { scope: "openid" });
      const callback = await signIn(new Agent(sys.issuer), flow, zahra);
      const tokens = await client.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce },
        { redirect_uri: redirect },
      );
      subs.push(tokens.claims()!.sub);
    }
    assert.notEqual(subs[0], subs[1]);
  });

  test("a public client with a secret, or a secret in the body shorter than 32, is refused", () => {
    const base = { client_id: "x", client_name: "x", redirect_uris: ["https://x.example/cb"] };
    assert.throws(
      () => parseClientInput({ ...base, token_endpoint_auth_method: "none", client_secret: SECRET }),
      /public client/,
    );
    assert.throws(
      () =>
        parseClientInput({
          ...base,
          token_endpoint_auth_method: "client_secret_post",
          client_secret: "short",
        }),
      /at least 32/,
    );
    assert.throws(
      () => parseClientInput({ ...base, token_endpoint_auth_method: "none", application_type: "ios" }),
      /application_type/,
    );
  });
});
