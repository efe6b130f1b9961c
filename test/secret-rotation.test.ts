// SECRET_KEY rotation (issue 10): the same database under "A", then "B,A", then "B". Old TOTP seals
// and old codes keep working while A is listed; once it is removed they are refused clearly, never a 500.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import * as client from "openid-client";
import pg from "pg";
import { parseClientInput } from "../src/flows/oidc/client-input.ts";
import { upsertClient } from "../src/flows/oidc/clients.ts";
import { ManualClock } from "../src/platform/clock.ts";
import { codeMatches } from "../src/platform/one-time-codes.ts";
import { openWithRing } from "../src/platform/totp.ts";
import { createAccount, latestCode } from "./helpers/accounts.ts";
import { Agent, authorizationRequest, freePort, rp, SECRET, signIn as ssoSignIn } from "./helpers/oidc.ts";
import { ali } from "./helpers/people.ts";
import { createMember, type Member, passwordStep, post, signIn } from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const KEY_A = "rotation-key-a-with-thirty-two-characters";
const KEY_B = "rotation-key-b-with-thirty-two-characters";
const clock = new ManualClock(new Date());
const dataDir = mkdtempSync(join(tmpdir(), "hoviat-rotation-"));
let databaseUrl: string | undefined;

/** One database for every start: a PGlite folder, or a PostgreSQL database of this file's own. */
async function database(): Promise<Record<string, string>> {
  if (!process.env.DATABASE_URL) return { DATA_DIR: dataDir };
  if (!databaseUrl) {
    const name = `hoviat_rot_${process.pid}`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  return { DATABASE_URL: databaseUrl };
}
const start = async (secretKey: string) =>
  startTestSystem({ ...(await database()), SECRET_KEY: secretKey }, { clock });

after(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${new URL(databaseUrl).pathname.slice(1)} with (force)`);
    await admin.end();
  }
});

const sealOf = async (sys: TestSystem, id: string) =>
  (await sys.db.selectFrom("staff").select("totp_secret").where("id", "=", id).executeTakeFirstOrThrow())
    .totp_secret!;

test("rotate A → B,A → B: old seals and codes work while A is listed, and are refused cleanly after", async () => {
  // Under A: two members enrol an authenticator, a recovery code is sent.
  let sys = await start(KEY_A);
  const kept: Member = await createMember(sys, "kept1", "admin");
  const idle: Member = await createMember(sys, "idle1", "admin");
  await signIn(sys, kept);
  await signIn(sys, idle);
  await createAccount(sys, ali);
  const first = await post(sys, "/api/password-recovery", undefined, {
    nationalId: ali.nationalId,
    method: "sms",
  });
  const code = await latestCode(sys, ali.mobile);
  clock.advance(61_000);
  const second = await post(sys, "/api/password-recovery", undefined, {
    nationalId: ali.nationalId,
    method: "sms",
  });
  const secondCode = await latestCode(sys, ali.mobile, 2);
  await sys.stop();

  // Under B,A: the code sent under A verifies; A's seal opens and is sealed again under B.
  sys = await start(`${KEY_B},${KEY_A}`);
  const verified = await post(sys, `/api/password-recovery/${first.body.recoveryId}/verify`, undefined, {
    code,
  });
  assert.equal(verified.status, 200);
  await signIn(sys, kept);
  const resealed = await sealOf(sys, kept.id);
  assert.ok(openWithRing([KEY_B], resealed), "sealed again under the new key");
  assert.equal(openWithRing([KEY_A], resealed), null);
  clock.advance(61_000);
  const fresh = await post(sys, "/api/password-recovery", undefined, {
    nationalId: ali.nationalId,
    method: "sms",
  });
  const freshCode = await latestCode(sys, ali.mobile, 3);
  const row = await sys.db
    .selectFrom("password_recoveries")
    .select("code_hash")
    .where("id", "=", fresh.body.recoveryId)
    .executeTakeFirstOrThrow();
  assert.ok(
    codeMatches([KEY_B], row.code_hash, fresh.body.recoveryId, freshCode),
    "new codes use the first key",
  );
  assert.ok(!codeMatches([KEY_A], row.code_hash, fresh.body.recoveryId, freshCode));
  await sys.stop();

  // Under B alone: the resealed member signs in; the one who never signed in meanwhile is refused
  // with a clear answer (an admin resets the authenticator), and A's code no longer verifies.
  sys = await start(KEY_B);
  await signIn(sys, kept);
  clock.advance(30_000);
  const half = await passwordStep(sys, idle);
  const refused = await post(sys, "/api/staff/login/totp", half, { code: "123456" });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, "staff.totpKeyUnknown");
  assert.match(refused.body.title, /مدیر سامانه/);
  const stale = await post(sys, `/api/password-recovery/${second.body.recoveryId}/verify`, undefined, {
    code: secondCode,
  });
  assert.equal(stale.status, 400);
  assert.equal(stale.body.code, "recovery.wrongCode");
  await sys.stop();
});

test("rotate A → B,A → B: an e-service keeps its secret and sees the same pairwise subject throughout", async () => {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const callbackUrl = "http://127.0.0.1:4103/cb";
  /** Starts under `secretKey`, listening where the e-service expects the issuer, runs `step`, stops. */
  const under = async <T>(secretKey: string, step: (sys: TestSystem) => Promise<T>): Promise<T> => {
    const env = { ...(await database()), SECRET_KEY: secretKey, PUBLIC_URL: issuer };
    const sys = await startTestSystem(env, { clock });
    try {
      await sys.app.listen({ port, host: "127.0.0.1" });
      return await step(sys);
    } finally {
      await sys.stop();
    }
  };
  /** One sign-in through the e-service with its secret: the subject it is told. */
  const subjectSeen = async () => {
    const config = await rp(issuer, "pension", client.ClientSecretBasic(SECRET));
    const flow = await authorizationRequest(config, callbackUrl);
    const callback = await ssoSignIn(new Agent(issuer), flow, ali);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    return tokens.claims()!.sub;
  };
  // Registered from the console or the CLI (not the clients file, which is sealed again at each start).
  const underA = await under(KEY_A, async (sys) => {
    const input = parseClientInput({
      client_id: "pension",
      client_secret: SECRET,
      client_name: "سامانه مستمری",
      redirect_uris: [callbackUrl],
      token_endpoint_auth_method: "client_secret_basic",
    });
    await upsertClient(sys.db, input, "cli", KEY_A, clock.now());
    return subjectSeen();
  });
  const underBoth = await under(`${KEY_B},${KEY_A}`, subjectSeen);
  assert.equal(underBoth, underA, "the subject does not follow SECRET_KEY");
  // A is gone: the secret was sealed again under B at the start above.
  assert.equal(await under(KEY_B, subjectSeen), underA);
});
