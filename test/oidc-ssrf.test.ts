// oidc-provider's SSRF guard stays on unless OIDC_ALLOW_LOOPBACK_BACKCHANNEL lets loopback through:
// with the setting off (as in production), a back-channel URI on 127.0.0.1 gets nothing, and the
// logout still ends the session and its tokens.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as client from "openid-client";
import { createAccount } from "./helpers/accounts.ts";
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
import { ali } from "./helpers/people.ts";
import type { TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4101/cb";
let sys: TestSystem & { issuer: string };
let channel: Awaited<ReturnType<typeof backchannelListener>>;

before(async () => {
  channel = await backchannelListener();
  sys = await startOidcSystem(
    [
      {
        client_id: "tax",
        client_secret: SECRET,
        client_name: "مالیات",
        redirect_uris: [TAX],
        backchannel_logout_uri: channel.url,
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    { OIDC_ALLOW_LOOPBACK_BACKCHANNEL: "false" },
  );
  await createAccount(sys, ali);
});
after(async () => {
  await sys.stop();
  await channel.close();
});

test("without OIDC_ALLOW_LOOPBACK_BACKCHANNEL a loopback back-channel URI is refused; the logout holds", async () => {
  const tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
  const agent = new Agent(sys.issuer);
  const flow = await authorizationRequest(tax, TAX, { scope: "openid" });
  const tokens = await client.authorizationCodeGrant(tax, await signIn(agent, flow, ali), {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });
  assert.equal((await agent.json("POST", "/api/logout")).status, 204);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(channel.tokens.length, 0, "the SSRF guard kept the request from 127.0.0.1");
  assert.equal(
    await oauthError(client.fetchUserInfo(tax, tokens.access_token, tokens.claims()!.sub)),
    "invalid_token",
  );
});
