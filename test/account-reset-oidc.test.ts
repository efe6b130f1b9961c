// An account reset seen from an e-service's sign-in (issue 19 item 4): after the wait, a password on
// Hoviat's login page leads to the new mobile like /api/login, and never signs the e-service in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import * as client from "openid-client";
import { ACCOUNT_RESET_WAIT_MS } from "../src/flows/login/account-reset.ts";
import { createAccount } from "./helpers/accounts.ts";
import { Agent, authorizationRequest, rp, SECRET, startOidcSystem } from "./helpers/oidc.ts";
import { ali } from "./helpers/people.ts";
import type { TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4101/cb";
let sys: TestSystem & { issuer: string };
before(async () => {
  sys = await startOidcSystem([
    {
      client_id: "tax",
      client_secret: SECRET,
      client_name: "سامانه مالیات",
      redirect_uris: [TAX],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ]);
});
after(async () => {
  await sys.stop();
});

test("a reset past its wait: the interaction's login answers new_mobile with a half session, no redirect", async () => {
  const accountId = await createAccount(sys, ali);
  const now = sys.clock.now();
  await sys.db
    .insertInto("account_resets")
    .values({
      id: crypto.randomUUID(),
      account_id: accountId,
      status: "waiting",
      created_at: new Date(now.getTime() - ACCOUNT_RESET_WAIT_MS),
      ready_at: now,
    })
    .execute();
  const tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
  const flow = await authorizationRequest(tax, TAX);
  const agent = new Agent(sys.issuer);
  const hop = await agent.follow(flow.url.href);
  const base = new URL(hop.location!).pathname;
  const answer = await agent.json("POST", `${base}/login`, {
    nationalId: ali.nationalId,
    password: ali.password,
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.next, "new_mobile");
  assert.equal(answer.body.redirectTo, undefined, "the e-service is not signed in");
  const me = await agent.json("GET", "/api/me");
  assert.equal(me.status, 401, "a half session");
  const state = await agent.json("GET", `${base}/state`);
  assert.equal(state.body.redirectTo, undefined);
});
