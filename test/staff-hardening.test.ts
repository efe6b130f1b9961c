// Branch console, issue 10 part 9: every refusal audited, citizens see the branch rather than the
// operator's device, admins reset a member's password, old sessions pruned, no import circle.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, beforeEach, describe, test } from "node:test";
import { createAccount, latestCode, loginCookie } from "./helpers/accounts.ts";
import { ali, mohammadreza } from "./helpers/people.ts";
import {
  activationCode,
  createBranch,
  createMember,
  get,
  type Member,
  passwordStep,
  post,
  resetStaffTables,
  setFirstPassword,
  signIn,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const DOCS = { nationalCardSeen: true, birthCertificateSeen: true };
let sys: TestSystem;
let branchId: string;
let adminMember: Member;
let admin: string;
let operator: string;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetStaffTables(sys);
  branchId = await createBranch(sys, "TEH-1");
  adminMember = await createMember(sys, "admin1", "admin");
  admin = await signIn(sys, adminMember);
  operator = await signIn(sys, await createMember(sys, "op1", "branch_operator", branchId));
});

const refusals = async () =>
  (
    await sys.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "staff.access.refused")
      .orderBy("seq")
      .execute()
  ).map((r) => ({
    actor: r.actor_username,
    result: r.result,
    ...(r.details as { code: string; route: string }),
  }));

describe("every refusal is in the audit log", () => {
  test("not signed in, wrong role, a half-signed-in session, another branch", async () => {
    assert.equal((await get(sys, `/api/staff/people/${ali.nationalId}`)).status, 401);
    assert.equal((await get(sys, "/api/staff/admin/staff", operator)).status, 403);
    assert.equal((await get(sys, `/api/staff/people/${ali.nationalId}`, admin)).status, 403);
    const fresh = await createMember(sys, "op2", "branch_operator", branchId);
    const half = await passwordStep(sys, fresh);
    assert.equal((await get(sys, `/api/staff/people/${ali.nationalId}`, half)).status, 403);

    await createAccount(sys, mohammadreza, "awaiting_branch_activation");
    const started = await post(sys, `/api/staff/people/${mohammadreza.nationalId}/activation`, operator, {
      ...DOCS,
      mobile: "09120000002",
    });
    const code = await latestCode(sys, "09120000002");
    const elsewhere = await signIn(
      sys,
      await createMember(sys, "op9", "branch_operator", await createBranch(sys, "ISF-1")),
    );
    const foreign = await post(sys, `/api/staff/activations/${started.body.activationId}/verify`, elsewhere, {
      code,
    });
    assert.equal(foreign.status, 403);

    const rows = await refusals();
    assert.deepEqual(
      rows.map((r) => [r.actor, r.code, r.route, r.result]),
      [
        [null, "unauthorized", "/api/staff/people/:nationalId", "refused"],
        ["op1", "staff.forbidden", "/api/staff/admin/staff", "refused"],
        ["admin1", "staff.forbidden", "/api/staff/people/:nationalId", "refused"],
        ["op2", "staff.forbidden", "/api/staff/people/:nationalId", "refused"],
        ["op9", "staff.otherBranch", "/api/staff/activations/:id/verify", "refused"],
      ],
    );
  });

  test("no one's refusals from one address are written at the 1st, 10th, 100th… of an hour, not each", async () => {
    const from = (remoteAddress: string) =>
      sys.app.inject({ method: "GET", url: "/api/staff/admin/staff", remoteAddress });
    for (let i = 0; i < 25; i++) assert.equal((await from("10.9.9.9")).statusCode, 401);
    assert.equal((await from("10.9.9.10")).statusCode, 401);
    const written = await sys.db
      .selectFrom("audit_log")
      .select(["ip", "details"])
      .where("action", "=", "staff.access.refused")
      .where("ip", "in", ["10.9.9.9", "10.9.9.10"])
      .orderBy("seq")
      .execute();
    assert.deepEqual(
      written.map((r) => [r.ip, (r.details as { countThisHour: number }).countThisHour]),
      [
        ["10.9.9.9", 1],
        ["10.9.9.9", 10],
        ["10.9.9.10", 1],
      ],
    );
    sys.clock.advance(3_600_000);
    await from("10.9.9.9");
    assert.equal(
      (await sys.db.selectFrom("audit_log").select("seq").where("ip", "=", "10.9.9.9").execute()).length,
      3,
      "a new hour begins at 1 again",
    );
  });

  test("a signed-in member's refusals before any rule (another site's POST) are theirs, each one written", async () => {
    const crossSite = (cookie?: string) =>
      sys.app.inject({
        method: "POST",
        url: "/api/staff/logout",
        headers: {
          origin: "https://evil.example",
          "sec-fetch-site": "cross-site",
          ...(cookie ? { cookie } : {}),
        },
        remoteAddress: "10.9.8.7",
      });
    for (let i = 0; i < 3; i++) assert.equal((await crossSite(operator)).statusCode, 403);
    // A cookie that is no live session is no one's: sampled with the anonymous ones of its address.
    for (let i = 0; i < 3; i++) assert.equal((await crossSite("hoviat_staff=forged")).statusCode, 403);
    const rows = await refusals();
    assert.deepEqual(
      rows.map((r) => [r.actor, r.code, r.route]),
      [
        ["op1", "crossSiteRequest", "/api/staff/logout"],
        ["op1", "crossSiteRequest", "/api/staff/logout"],
        ["op1", "crossSiteRequest", "/api/staff/logout"],
        [null, "crossSiteRequest", "/api/staff/logout"],
      ],
    );
  });

  test("anonymous refusals from the /64 of one IPv6 client are sampled as one address", async () => {
    for (let i = 0; i < 10; i++) {
      const res = await sys.app.inject({
        method: "GET",
        url: "/api/staff/admin/staff",
        remoteAddress: `2001:db8:3:4:${(i + 1).toString(16)}::1`,
      });
      assert.equal(res.statusCode, 401);
    }
    const written = (await refusals()).map((r) => (r as unknown as { countThisHour: number }).countThisHour);
    assert.deepEqual(written, [1, 10]);
  });

  test("a handed-over password not yet changed", async () => {
    const member = await createMember(sys, "op3", "branch_operator", branchId);
    sys.clock.advance(30_000);
    const half = await passwordStep(sys, member);
    const { totpCode } = await import("../src/platform/totp.ts");
    const full = await post(sys, "/api/staff/login/totp", half, {
      code: totpCode(member.secret!, sys.clock.now()),
    });
    const cookie = full.res.cookies.find((c) => c.name === "hoviat_staff")!;
    const res = await get(sys, `/api/staff/people/${ali.nationalId}`, `hoviat_staff=${cookie.value}`);
    assert.equal(res.body.code, "staff.passwordChangeRequired");
    assert.deepEqual(
      (await refusals()).map((r) => [r.actor, r.code]),
      [["op3", "staff.passwordChangeRequired"]],
    );
  });
});

describe("citizens see the branch, not the operator's device", () => {
  test("an activation shows «شعبه TEH-1», a lock by an admin the head office; no IP or browser", async () => {
    await createAccount(sys, mohammadreza, "awaiting_branch_activation");
    const url = `/api/staff/people/${mohammadreza.nationalId}/activation`;
    const activated = await sys.app.inject({
      method: "POST",
      url,
      payload: DOCS,
      headers: { cookie: operator, "user-agent": "OperatorBrowser/1.0" },
    });
    // The desk always proves the mobile with a code (issue 10), then the person sets the password.
    assert.equal(activated.statusCode, 202);
    const { activationId } = activated.json();
    const code = await activationCode(sys, activationId);
    const verified = await sys.app.inject({
      method: "POST",
      url: `/api/staff/activations/${activationId}/verify`,
      payload: { code },
      headers: { cookie: operator, "user-agent": "OperatorBrowser/1.0" },
    });
    assert.equal(verified.statusCode, 200);
    await setFirstPassword(sys, mohammadreza);
    await post(sys, `/api/staff/admin/citizens/${mohammadreza.nationalId}/lock`, admin, { reason: "آزمایش" });
    await post(sys, `/api/staff/admin/citizens/${mohammadreza.nationalId}/unlock`, admin, {
      reason: "آزمایش",
    });
    const cookie = await loginCookie(sys, mohammadreza);
    const events = (
      await sys.app.inject({ method: "GET", url: "/api/account/security-events", headers: { cookie } })
    ).json();
    const byStaff = events.filter((e: { byStaff: boolean }) => e.byStaff);
    assert.deepEqual(
      byStaff
        .map((e: { type: string; branch: string | null; ip: string | null; userAgent: string | null }) => [
          e.type,
          e.branch,
          e.ip,
          e.userAgent,
        ])
        .sort(),
      [
        ["account.activatedByBranch", "شعبه TEH-1", null, null],
        ["account.locked", null, null, null],
        ["account.unlocked", null, null, null],
      ],
    );
    // The audit log keeps where the operator was.
    const audit = await sys.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "branch.activation.completed")
      .executeTakeFirstOrThrow();
    assert.equal(audit.user_agent, "OperatorBrowser/1.0");
    assert.ok(audit.ip);
  });
});

describe("an admin resets a member's password", () => {
  test("a one-time password, shown once, audited; sessions end and the member must change it", async () => {
    const member = await createMember(sys, "op4", "branch_operator", branchId);
    const memberCookie = await signIn(sys, member);
    const reset = await post(sys, `/api/staff/admin/staff/${member.id}/reset-password`, admin);
    assert.equal(reset.status, 200);
    assert.equal(reset.body.username, "op4");
    assert.match(reset.body.password, /^[A-Za-z2-9]{16}$/);
    assert.equal((await get(sys, "/api/staff/me", memberCookie)).status, 401);
    const old = await post(sys, "/api/staff/login", undefined, {
      username: "op4",
      password: member.password,
    });
    assert.equal(old.status, 401);
    member.password = reset.body.password;
    const again = await signIn(sys, member);
    assert.equal((await get(sys, "/api/staff/me", again)).body.mustChangePassword, false);
    const row = await sys.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "admin.staff.passwordReset")
      .executeTakeFirstOrThrow();
    assert.equal(row.actor_username, "admin1");
    assert.deepEqual(row.details, { username: "op4" });
    assert.ok(!JSON.stringify(row.details).includes(reset.body.password));
    assert.equal(
      (await post(sys, `/api/staff/admin/staff/${adminMember.id}/reset-password`, admin)).status,
      409,
    );
    assert.equal(
      (await post(sys, `/api/staff/admin/staff/${member.id}/reset-password`, operator)).status,
      403,
    );
  });
});

describe("housekeeping", () => {
  test("the worker's sweep deletes staff sessions ended over a day ago", async () => {
    const live = await sys.db.selectFrom("staff_sessions").select("id_hash").execute();
    sys.clock.advance(2 * 86_400_000);
    await sys.worker!.sweep();
    const left = await sys.db.selectFrom("staff_sessions").select("id_hash").execute();
    assert.ok(live.length >= 2);
    assert.equal(left.length, 0);
  });

  test("the branch routes do not import the staff routes (no import circle)", () => {
    for (const file of ["src/flows/branch/routes.ts", "src/flows/staff/admin-routes.ts"]) {
      const text = readFileSync(file, "utf8");
      assert.doesNotMatch(text, /from "\.\.\/staff\/routes\.ts"|from "\.\/routes\.ts"/, file);
    }
  });
});
