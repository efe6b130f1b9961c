// Signing keys rotate without a restart (issue 20): from the console or the CLI, audited; the new keys
// are published at once and sign after the grace period; the replaced ones stay published as long as a
// token they signed may come back (id_token_hint), then go.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { decodeProtectedHeader } from "jose";
import * as client from "openid-client";
import { rotateKeysCommand } from "../src/flows/oidc/cli.ts";
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
import { ali } from "./helpers/people.ts";
import { createBranch, createMember, get, post, signIn as staffSignIn } from "./helpers/staff.ts";
import type { TestSystem } from "./helpers/system.ts";

const TAX = "http://127.0.0.1:4401/cb";
let sys: TestSystem & { issuer: string };
let tax: client.Configuration;

before(async () => {
  sys = await startOidcSystem([serverClient("tax", "مالیات", TAX)]);
  await createAccount(sys, ali);
  tax = await rp(sys.issuer, "tax", client.ClientSecretBasic(SECRET));
});
after(async () => {
  await sys.stop();
});

async function idToken() {
  const flow = await authorizationRequest(tax, TAX);
  const callback = await signIn(new Agent(sys.issuer), flow, ali);
  const tokens = await client.authorizationCodeGrant(tax, callback, {
    pkceCodeVerifier: flow.verifier,
    expectedState: flow.state,
    expectedNonce: flow.nonce,
  });
  return tokens.id_token!;
}

const kid = (jwt: string) => decodeProtectedHeader(jwt).kid;
const published = async () =>
  (
    (await (await fetch(`${sys.issuer}/oidc/jwks`)).json()) as {
      keys: { kid: string; alg: string; d?: string }[];
    }
  ).keys;

test("a rotation from the console: published at once, signing after the grace, the old key gone after the longest token life", async () => {
  const first = await idToken();
  const before = await published();
  assert.deepEqual(before.map((k) => k.alg).sort(), ["ES256", "RS256"]);
  assert.ok(before.some((k) => k.kid === kid(first)));
  assert.ok(
    before.every((k) => !k.d),
    "no private part published",
  );

  const branch = await createBranch(sys, "101");
  const admin = await staffSignIn(sys, await createMember(sys, "admin1", "admin"));
  const operator = await staffSignIn(sys, await createMember(sys, "op1", "branch_operator", branch));
  assert.equal((await post(sys, "/api/staff/admin/oidc-keys/rotation", operator)).status, 403);
  const rotated = await post(sys, "/api/staff/admin/oidc-keys/rotation", admin);
  assert.equal(rotated.status, 201);
  const { kids } = rotated.body as { kids: string[] };
  const audit = await sys.db
    .selectFrom("audit_log")
    .select("action")
    .where("action", "=", "admin.oidcKeys.rotated")
    .execute();
  assert.equal(audit.length, 1);

  // Published before it signs: an e-service that fetched the JWKS now knows the next key.
  const now = await published();
  assert.equal(now.length, 4);
  for (const k of kids) assert.ok(now.some((p) => p.kid === k));
  assert.equal(kid(await idToken()), kid(first), "within the grace period the old key still signs");
  const listed = await get(sys, "/api/staff/admin/oidc-keys", admin);
  assert.equal((listed.body as unknown[]).length, 4);

  sys.clock.advance(61 * 60_000);
  await sys.sso.keys.refresh();
  const second = await idToken();
  assert.ok(kids.includes(kid(second)!), "after the grace period the new key signs, with no restart");
  // An ID token of the old key still comes back as a logout hint, and verifies.
  const hint = await fetch(`${sys.issuer}/oidc/session/end?id_token_hint=${first}`);
  assert.equal(hint.status, 200);
  assert.ok((await published()).some((k) => k.kid === kid(first)));

  sys.clock.advanceHours(13); // past the longest life of a token the old key signed (the 12 h session)
  await sys.sso.keys.refresh();
  const after = await published();
  assert.equal(after.length, 2);
  assert.ok(!after.some((k) => k.kid === kid(first)), "the replaced key is no longer published");
  assert.equal((await sys.db.selectFrom("oidc_keys").select("kid").execute()).length, 2);
});

test("a rotation from the CLI, with Hoviat running: the running instance follows it", async () => {
  const lines: string[] = [];
  const out = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
  assert.equal(await rotateKeysCommand(sys.db, sys.clock.now(), 0, out), 0);
  assert.match(lines.join("\n"), /No restart is needed/);
  await sys.sso.keys.refresh(); // what the minute's poll does
  const rows = await sys.db
    .selectFrom("oidc_keys")
    .select(["kid", "alg"])
    .orderBy("active_at", "desc")
    .execute();
  const newest = rows.find((r) => r.alg === "RS256")!.kid;
  assert.equal(kid(await idToken()), newest, "grace 0: the new key signs at once");
  const audit = await sys.db
    .selectFrom("audit_log")
    .select("action")
    .where("action", "=", "cli.oidcKeys.rotated")
    .execute();
  assert.equal(audit.length, 1);
});
