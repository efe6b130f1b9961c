// R-SSO administration: e-services from the console (admins only, audited, secrets sealed), from the
// CLI, and from OIDC_CLIENTS_FILE (checked at start); the acr of a branch-activated account; settings.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as client from "openid-client";
import { ACR } from "../src/flows/oidc/claims.ts";
import { createClientFromArgs } from "../src/flows/oidc/cli.ts";
import { CLIENT_CACHE_MS } from "../src/flows/oidc/clients.ts";
import { ConfigError, loadConfig } from "../src/platform/config.ts";
import { createAccount } from "./helpers/accounts.ts";
import {
  Agent,
  authorizationRequest,
  rp,
  SECRET,
  signIn as ssoSignIn,
  startOidcSystem,
} from "./helpers/oidc.ts";
import { mohammadreza } from "./helpers/people.ts";
import { createBranch, createMember, get, post, signIn } from "./helpers/staff.ts";
import type { TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4101/cb";
let sys: TestSystem & { issuer: string };
let admin: string;
let operator: string;

const body = {
  client_id: "insurance-records",
  client_secret: SECRET,
  client_name: "سوابق بیمه",
  redirect_uris: ["https://records.example.ir/callback"],
  token_endpoint_auth_method: "client_secret_basic",
  allowed_scopes: ["profile"],
};

before(async () => {
  sys = await startOidcSystem([
    {
      client_id: "tax",
      client_secret: SECRET,
      client_name: "مالیات",
      redirect_uris: [TAX],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ]);
  const branch = await createBranch(sys, "101");
  admin = await signIn(sys, await createMember(sys, "admin1", "admin"));
  operator = await signIn(sys, await createMember(sys, "op1", "branch_operator", branch));
});
after(async () => {
  await sys.stop();
});

const del = (url: string, cookie: string) => sys.app.inject({ method: "DELETE", url, headers: { cookie } });

describe("e-services in the console", () => {
  test("an admin registers an e-service: audited, secret sealed at rest, usable at once", async () => {
    const saved = await post(sys, "/api/staff/admin/oidc-clients", admin, body);
    assert.equal(saved.status, 201);
    const list = await get(sys, "/api/staff/admin/oidc-clients", admin);
    const entry = list.body.find((c: { clientId: string }) => c.clientId === body.client_id);
    assert.equal(entry.metadata.client_name, "سوابق بیمه");
    assert.equal(entry.metadata.scope, "openid offline_access profile");
    assert.ok(!JSON.stringify(list.body).includes(SECRET), "no secret leaves the server");
    const row = await sys.db
      .selectFrom("oidc_clients")
      .select("metadata")
      .where("client_id", "=", body.client_id)
      .executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row.metadata).includes(SECRET), "stored sealed");
    const found = await sys.sso.provider.Client.find(body.client_id);
    assert.equal(found?.clientName, "سوابق بیمه");
    const audit = await sys.db
      .selectFrom("audit_log")
      .select(["action", "actor_username"])
      .where("action", "like", "admin.oidcClient.%")
      .execute();
    assert.deepEqual(audit, [{ action: "admin.oidcClient.saved", actor_username: "admin1" }]);
  });

  test("refused: an operator, and metadata oidc-provider rejects", async () => {
    assert.equal((await post(sys, "/api/staff/admin/oidc-clients", operator, body)).status, 403);
    const bad = await post(sys, "/api/staff/admin/oidc-clients", admin, {
      ...body,
      redirect_uris: ["not a url"],
    });
    assert.equal(bad.status, 400);
    const implicit = await post(sys, "/api/staff/admin/oidc-clients", admin, {
      ...body,
      grant_types: ["implicit"],
    });
    assert.equal(implicit.status, 400);
  });

  test("an admin removes an e-service: audited, gone at once", async () => {
    assert.equal((await del(`/api/staff/admin/oidc-clients/${body.client_id}`, admin)).statusCode, 204);
    assert.equal(await sys.sso.provider.Client.find(body.client_id), undefined);
    assert.equal((await del(`/api/staff/admin/oidc-clients/${body.client_id}`, admin)).statusCode, 404);
    const audit = await sys.db
      .selectFrom("audit_log")
      .select("action")
      .where("action", "=", "admin.oidcClient.deleted")
      .execute();
    assert.equal(audit.length, 1);
  });

  test("a change made by another process is used within CLIENT_CACHE_MS, not before", async () => {
    assert.equal((await sys.sso.provider.Client.find("tax"))?.clientName, "مالیات");
    // What the CLI or another instance does: the row changes, this process is not told.
    const row = await sys.db
      .selectFrom("oidc_clients")
      .select("metadata")
      .where("client_id", "=", "tax")
      .executeTakeFirstOrThrow();
    const metadata = JSON.stringify({ ...(row.metadata as object), client_name: "مالیات ۲" });
    await sys.db.updateTable("oidc_clients").set({ metadata }).where("client_id", "=", "tax").execute();
    assert.equal((await sys.sso.provider.Client.find("tax"))?.clientName, "مالیات");
    sys.clock.advance(CLIENT_CACHE_MS);
    assert.equal((await sys.sso.provider.Client.find("tax"))?.clientName, "مالیات ۲");
  });

  test("the CLI registers an e-service with a generated secret, audited", async () => {
    const lines: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(s) };
    const argv = [
      "--id",
      "pension",
      "--name",
      "مستمری",
      "--redirect-uri",
      "https://pension.example.ir/cb",
      "--scopes",
      "profile phone",
    ];
    assert.equal(
      await createClientFromArgs(
        sys.db,
        loadConfig({ NODE_ENV: "test" }).secretKey,
        argv,
        sys.clock.now(),
        out,
      ),
      0,
    );
    const secret = /client secret .*: (\S+)/.exec(lines.join("\n"))?.[1];
    assert.ok(secret && secret.length >= 32);
    const found = await sys.sso.provider.Client.find("pension");
    assert.equal(found?.clientSecret, secret);
    assert.equal(await createClientFromArgs(sys.db, "x".repeat(32), ["--id", "x"], sys.clock.now(), out), 2);
  });
});

test("an account activated at a branch carries the branch acr", async () => {
  const accountId = await createAccount(sys, mohammadreza);
  const [branch] = await sys.db.selectFrom("branches").select("id").execute();
  const [staff] = await sys.db.selectFrom("staff").select("id").execute();
  await sys.db
    .insertInto("branch_activations")
    .values({
      id: crypto.randomUUID(),
      account_id: accountId,
      branch_id: branch!.id,
      requested_by: staff!.id,
      approved_by: staff!.id,
      new_mobile: null,
      code_hash: null,
      status: "done",
      expires_at: sys.clock.now(),
      created_at: sys.clock.now(),
      decided_at: sys.clock.now(),
    })
    .execute();
  const tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
  const flow = await authorizationRequest(tax, TAX, { acr_values: ACR.BRANCH_DOCUMENTS });
  const callback = await ssoSignIn(new Agent(sys.issuer), flow, mohammadreza);
  const tokens = await client.authorizationCodeGrant(tax, callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });
  assert.equal(tokens.claims()!.acr, ACR.BRANCH_DOCUMENTS);
});

test("settings: PUBLIC_URL is the issuer; production wants https and no loopback back-channel", async () => {
  assert.equal(loadConfig({ NODE_ENV: "test" }).publicUrl, "http://127.0.0.1:3000");
  assert.equal(
    loadConfig({ NODE_ENV: "test", PUBLIC_URL: "https://hoviat.example.ir/" }).publicUrl,
    "https://hoviat.example.ir",
  );
  assert.throws(() => loadConfig({ PUBLIC_URL: "https://hoviat.example.ir/sso" }), ConfigError);
  assert.equal(loadConfig({ NODE_ENV: "test" }).oidcAllowLoopbackBackchannel, true);
  assert.match(
    loadConfig({}).oidcClientsFile ?? "",
    /oidc-clients\.dev\.json$/,
    "development registers the demo e-service",
  );
  assert.throws(
    () =>
      loadConfig({
        NODE_ENV: "production",
        PUBLIC_URL: "http://hoviat.example.ir",
        OIDC_ALLOW_LOOPBACK_BACKCHANNEL: "true",
      }),
    (e: Error) =>
      /PUBLIC_URL must be https/.test(e.message) && /OIDC_ALLOW_LOOPBACK_BACKCHANNEL/.test(e.message),
  );
});

test("an OIDC_CLIENTS_FILE entry that oidc-provider rejects is refused, naming the client", async () => {
  // startSso runs this check on every file entry before the server serves.
  await assert.rejects(
    sys.sso.validate({ ...body, client_id: "broken", redirect_uris: ["nope"] } as never),
    /broken/,
  );
  await sys.sso.validate(body as never);
});
