// Staff passkeys through the console's API, with the software authenticator: an administrator without
// one is held at enrolment, a passkey is the second factor after the password or the whole sign-in, a
// member's passkey opens no one else's session, citizens' and staff passkeys never cross, and every
// action is in the audit trail.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { hashToken } from "../src/platform/tokens.ts";
import { totpCode } from "../src/platform/totp.ts";
import { createAccount, loginCookie } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import {
  changePassword,
  createBranch,
  createMember,
  enrolStaffPasskey,
  get,
  type Member,
  passwordStep,
  post,
  resetStaffTables,
  signIn,
  staffCookie,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";
import { SoftwareAuthenticator } from "./helpers/webauthn.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => sys?.stop());
beforeEach(async () => {
  await resetStaffTables(sys);
  await sys.db.deleteFrom("passkeys").execute();
});

async function call(method: "PATCH" | "DELETE", url: string, cookie: string, payload?: object) {
  const res = await sys.app.inject({ method, url, headers: { cookie }, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

/** Options (in the session of `cookie`, if any), the member's device answers, the sign-in. */
async function passkeySignIn(device: SoftwareAuthenticator, cookie?: string, gesture = {}) {
  const options = await post(sys, "/api/staff/login/passkey/options", cookie);
  assert.equal(options.status, 200);
  const res = await post(sys, "/api/staff/login/passkey", cookie, {
    response: device.get(options.body, gesture),
  });
  const set = res.res.cookies.find((c) => c.name === "hoviat_staff");
  return { ...res, cookie: set ? `hoviat_staff=${set.value}` : undefined };
}

const amrOf = async (cookie: string) =>
  (
    await sys.db
      .selectFrom("staff_sessions")
      .select("amr")
      .where("id_hash", "=", hashToken(cookie.split("=")[1]!))
      .executeTakeFirstOrThrow()
  ).amr;

const auditActions = async (username: string) =>
  (
    await sys.db
      .selectFrom("audit_log")
      .select(["action", "result"])
      .where("actor_username", "=", username)
      .orderBy("seq")
      .execute()
  ).map((r) => (r.result === "ok" ? r.action : `${r.action}:${r.result}`));

/** Password, app code, new password: an administrator as the first sign-in leaves them, no passkey. */
async function adminBeforePasskey(member: Member) {
  sys.clock.advance(30_000);
  const half = await passwordStep(sys, member);
  const code = totpCode(member.secret!, sys.clock.now());
  const cookie = staffCookie((await post(sys, "/api/staff/login/totp", half, { code })).res);
  await changePassword(sys, member, cookie);
  return cookie;
}

describe("administrators need a passkey", () => {
  test("an admin without one is held at enrolment; once enrolled, the admin pages open", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const cookie = await adminBeforePasskey(admin);
    const me = await get(sys, "/api/staff/me", cookie);
    assert.equal(me.status, 200);
    assert.equal(me.body.passkeyRequired, true);
    const held = await get(sys, "/api/staff/admin/staff", cookie);
    assert.equal(held.status, 403);
    assert.equal(held.body.code, "staff.passkeyRequired");
    assert.equal((await get(sys, "/api/staff/audit", cookie)).status, 403);

    const options = await post(sys, "/api/staff/passkeys/registration/options", cookie, {});
    assert.equal(options.body.user.name, "admin1");
    assert.equal(options.body.authenticatorSelection.residentKey, "required");
    await enrolStaffPasskey(sys, admin, cookie);
    assert.equal((await get(sys, "/api/staff/me", cookie)).body.passkeyRequired, false);
    assert.equal((await get(sys, "/api/staff/admin/staff", cookie)).status, 200);
    assert.deepEqual(
      (await get(sys, "/api/staff/passkeys", cookie)).body.map((p: { name: string }) => p.name),
      ["Passkey"],
    );
    assert.ok((await auditActions("admin1")).includes("staff.passkey.added"));
  });

  test("an operator needs none; enrolment after ten minutes asks for the password again", async () => {
    const branch = await createBranch(sys, "A01");
    const operator = await createMember(sys, "op1", "branch_operator", branch);
    const cookie = await signIn(sys, operator);
    assert.equal((await get(sys, "/api/staff/me", cookie)).body.passkeyRequired, false);
    sys.clock.advance(10 * 60_000 + 1);
    const stale = await post(sys, "/api/staff/passkeys/registration/options", cookie, {});
    assert.equal(stale.status, 400);
    assert.equal(stale.body.errors[0].code, "currentPassword.required");
    const wrong = await post(sys, "/api/staff/passkeys/registration/options", cookie, {
      currentPassword: "x",
    });
    assert.equal(wrong.body.errors[0].code, "currentPassword.wrong");
    const ok = await post(sys, "/api/staff/passkeys/registration/options", cookie, {
      currentPassword: operator.password,
    });
    assert.equal(ok.status, 200);
  });

  test("an admin cannot remove the last passkey; with a second one, the first goes", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const cookie = await signIn(sys, admin);
    const [first] = (await get(sys, "/api/staff/passkeys", cookie)).body;
    const last = await call("DELETE", `/api/staff/passkeys/${first.id}`, cookie, {});
    assert.equal(last.status, 409);
    assert.equal(last.body.code, "staff.passkeyLastOfAdmin");
    admin.device = new SoftwareAuthenticator(sys.relyingParty.origins[0]!);
    await enrolStaffPasskey(sys, admin, cookie);
    assert.equal(
      (await call("PATCH", `/api/staff/passkeys/${first.id}`, cookie, { name: "کلید قدیمی" })).status,
      204,
    );
    assert.equal((await call("DELETE", `/api/staff/passkeys/${first.id}`, cookie, {})).status, 204);
    assert.equal((await get(sys, "/api/staff/passkeys", cookie)).body.length, 1);
    const actions = await auditActions("admin1");
    for (const action of ["staff.passkey.added", "staff.passkey.renamed", "staff.passkey.removed"]) {
      assert.ok(actions.includes(action), action);
    }
  });
});

describe("signing in with a passkey", () => {
  test("after the password, instead of the app's code", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    await signIn(sys, admin);
    const half = await post(sys, "/api/staff/login", undefined, {
      username: "admin1",
      password: admin.password,
    });
    assert.deepEqual(half.body.methods, ["totp", "passkey"]);
    const halfCookie = staffCookie(half.res);
    const options = await post(sys, "/api/staff/login/passkey/options", halfCookie);
    assert.equal(options.body.allowCredentials.length, 1);
    const res = await passkeySignIn(admin.device!, halfCookie);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await amrOf(res.cookie!), ["hwk", "mfa", "pwd", "user"]);
    assert.equal((await get(sys, "/api/staff/admin/staff", res.cookie)).status, 200);
    assert.equal((await get(sys, "/api/staff/me", halfCookie)).status, 401, "the half session ended");
    assert.ok((await auditActions("admin1")).includes("staff.login.passkey"));
  });

  test("alone, with no password: both factors", async () => {
    const branch = await createBranch(sys, "A01");
    const operator = await createMember(sys, "op1", "branch_operator", branch);
    const cookie = await signIn(sys, operator);
    await enrolStaffPasskey(sys, operator, cookie);
    const options = await post(sys, "/api/staff/login/passkey/options");
    assert.deepEqual(options.body.allowCredentials, []);
    const res = await passkeySignIn(operator.device!);
    assert.equal(res.status, 200);
    assert.deepEqual(await amrOf(res.cookie!), ["hwk", "mfa", "user"]);
    assert.equal((await get(sys, "/api/staff/me", res.cookie)).body.username, "op1");
  });

  test("another member's passkey after one's password is refused; a locked member's too", async () => {
    const branch = await createBranch(sys, "A01");
    const admin = await createMember(sys, "admin1", "admin");
    await signIn(sys, admin);
    const operator = await createMember(sys, "op1", "branch_operator", branch);
    await signIn(sys, operator);
    sys.clock.advance(30_000);
    const operatorHalf = await passwordStep(sys, operator);
    const credentialId = Buffer.from(admin.device!.credentials[0]!.id).toString("base64url");
    const res = await passkeySignIn(admin.device!, operatorHalf, { credentialId });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "passkeys.otherAccount");
    assert.equal(res.cookie, undefined);
    assert.ok((await auditActions("admin1")).includes("staff.login.passkey:failed"));

    await sys.db.updateTable("staff").set({ status: "locked" }).where("id", "=", admin.id).execute();
    const locked = await passkeySignIn(admin.device!);
    assert.equal(locked.status, 403);
    assert.equal(locked.body.code, "staff.locked");
  });

  test("citizens' and staff passkeys never cross", async () => {
    await createAccount(sys, ali);
    const citizen = new SoftwareAuthenticator(sys.relyingParty.origins[0]!);
    const cookie = await loginCookie(sys, ali);
    const options = await post(sys, "/api/account/passkeys/registration/options", cookie, {
      currentPassword: ali.password,
    });
    const created = await post(sys, "/api/account/passkeys/registration", cookie, {
      response: citizen.create(options.body),
    });
    assert.equal(created.status, 201);
    const asStaff = await passkeySignIn(citizen);
    assert.equal(asStaff.status, 401);

    const admin = await createMember(sys, "admin1", "admin");
    await signIn(sys, admin);
    const citizenOptions = await post(sys, "/api/passkeys/authentication/options");
    const asCitizen = await post(sys, "/api/passkeys/authentication", undefined, {
      response: admin.device!.get(citizenOptions.body),
    });
    assert.equal(asCitizen.status, 401);
    // A staff challenge answered at the citizens' door (or the other way round) is no challenge there.
    const staffOptions = await post(sys, "/api/staff/login/passkey/options");
    const crossed = await post(sys, "/api/passkeys/authentication", undefined, {
      response: citizen.get(staffOptions.body),
    });
    assert.equal(crossed.status, 401);
    assert.equal(crossed.body.code, "passkeys.challengeExpired");
  });
});
