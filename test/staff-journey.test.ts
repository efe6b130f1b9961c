// The branch console end to end: staff:create makes an admin, the admin creates a branch and an
// operator, the operator enrols TOTP and activates a person whose mobile was not his (correcting it by
// a code sent on the spot), the person signs in, and the audit trail names who did each step.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { createStaffFromArgs } from "../src/flows/staff/cli.ts";
import { createAccount, latestCode, loginCookie, messageMatching } from "./helpers/accounts.ts";
import { ali, mohammadreza, zahra } from "./helpers/people.ts";
import {
  createBranch,
  createMember,
  get,
  post,
  register,
  resetStaffTables,
  setFirstPassword,
  signIn,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const DOCS = { nationalCardSeen: true, birthCertificateSeen: true };
const NEW_MOBILE = "09120000002";

describe("the branch console journey", () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem();
    await resetStaffTables(sys);
  });
  after(async () => sys?.stop());

  let adminCookie: string;
  let opCookie: string;
  let activationId: string;

  test("staff:create makes the first admin; the admin creates a branch and an operator", async () => {
    const lines: string[] = [];
    const argv = ["--username", "admin1", "--name", "مدیر سامانه", "--role", "admin"];
    assert.equal(
      await createStaffFromArgs(sys.db, argv, sys.clock.now(), {
        log: (s) => lines.push(s),
        error: () => {},
      }),
      0,
    );
    const password = /one-time password: (\S+)/.exec(lines.join("\n"))![1]!;
    adminCookie = await signIn(sys, { id: "", username: "admin1", password });

    const branch = await post(sys, "/api/staff/admin/branches", adminCookie, {
      code: "TEH-12",
      name: "شعبه ۱۲ تهران",
    });
    assert.equal(branch.status, 201);
    const bad = await post(sys, "/api/staff/admin/staff", adminCookie, {
      username: "op1",
      name: "کارمند",
      role: "branch_operator",
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.errors.map((e: { field: string }) => e.field),
      ["branchId"],
    );
    const op = await post(sys, "/api/staff/admin/staff", adminCookie, {
      username: "op1",
      name: "مریم کارمند",
      role: "branch_operator",
      branchId: branch.body.id,
    });
    assert.equal(op.status, 201);
    opCookie = await signIn(sys, { id: op.body.id, username: "op1", password: op.body.password });
    const me = await get(sys, "/api/staff/me", opCookie);
    assert.deepEqual(me.body.branch, { code: "TEH-12", name: "شعبه ۱۲ تهران" });
  });

  test("the operator finds the person: outcome, Jalali dates, masked contacts, nothing more", async () => {
    await register(sys, mohammadreza, "awaiting_branch_activation");
    const res = await get(sys, `/api/staff/people/${mohammadreza.nationalId}`, opCookie);
    assert.equal(res.status, 200);
    assert.equal(res.body.account.status, "awaiting_branch_activation");
    assert.equal(res.body.account.mobile, "0912***0001");
    assert.match(res.body.account.email, /^m\*\*\*@/);
    assert.equal(res.body.requests[0].status, "awaiting_branch_activation");
    assert.match(res.body.requests[0].submittedOn, /^14\d\d\/\d\d\/\d\d$/);
    const text = JSON.stringify(res.body);
    for (const secret of [
      mohammadreza.birthDate,
      mohammadreza.birthCertificateNumber,
      mohammadreza.mobile,
      mohammadreza.email,
    ]) {
      assert.ok(!text.includes(secret), `${secret} is not shown`);
    }
  });

  test("both originals must be ticked", async () => {
    const url = `/api/staff/people/${mohammadreza.nationalId}/activation`;
    const none = await post(sys, url, opCookie, {});
    assert.equal(none.status, 400);
    assert.deepEqual(
      none.body.errors.map((e: { field: string }) => e.field),
      ["nationalCardSeen", "birthCertificateSeen"],
    );
    const one = await post(sys, url, opCookie, { nationalCardSeen: true, birthCertificateSeen: false });
    assert.deepEqual(
      one.body.errors.map((e: { field: string }) => e.field),
      ["birthCertificateSeen"],
    );
  });

  test("a corrected mobile gets a code; another branch cannot finish; the right code activates", async () => {
    const url = `/api/staff/people/${mohammadreza.nationalId}/activation`;
    const started = await post(sys, url, opCookie, { ...DOCS, mobile: "۰۹۱۲ ۰۰۰ ۰۰۰۲" });
    assert.equal(started.status, 202);
    assert.equal(started.body.status, "pending_code");
    activationId = started.body.activationId;
    const code = await latestCode(sys, NEW_MOBILE);

    const elsewhere = await createMember(sys, "op9", "branch_operator", await createBranch(sys, "ISF-1"));
    const otherCookie = await signIn(sys, elsewhere);
    const foreign = await post(sys, `/api/staff/activations/${activationId}/verify`, otherCookie, { code });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, "staff.otherBranch");

    const wrong = await post(sys, `/api/staff/activations/${activationId}/verify`, opCookie, {
      code: code === "000000" ? "111111" : "000000",
    });
    assert.equal(wrong.status, 400);
    const done = await post(sys, `/api/staff/activations/${activationId}/verify`, opCookie, { code });
    assert.equal(done.status, 200);
    assert.equal(done.body.status, "activated");
    const again = await post(sys, `/api/staff/activations/${activationId}/verify`, opCookie, { code });
    assert.equal(again.status, 404);
    // The history shows what became of the request that waited for the branch.
    const person = await get(sys, `/api/staff/people/${mohammadreza.nationalId}`, opCookie);
    assert.equal(person.body.account.status, "active");
    assert.equal(person.body.requests[0].status, "active");
  });

  test("the person is told by SMS at the new number, sets the password with its code, signs in, sees the event", async () => {
    assert.ok(
      await messageMatching(sys, NEW_MOBILE, /^جناب آقای محمدرضا حسینی حساب کاربری شما در شعبه فعال گردید\./),
    );
    // The password chosen at registration was dropped with the activation.
    await assert.rejects(loginCookie(sys, mohammadreza), /login 401/);
    await setFirstPassword(sys, mohammadreza);
    const cookie = await loginCookie(sys, mohammadreza);
    const events = await get(sys, "/api/account/security-events", cookie);
    assert.equal(events.status, 200);
    // The sign-in with the dropped password is there too, summarised with the hour's failures.
    assert.deepEqual(events.body.map((e: { type: string }) => e.type).sort(), [
      "account.activatedByBranch",
      "login.failed",
      "login.succeeded",
      "password.setAfterBranch",
    ]);
    assert.equal((await get(sys, "/api/account/security-events")).status, 401);
  });

  test("the audit trail shows each step with who did it, and cannot be changed", async () => {
    const byPerson = await get(sys, `/api/staff/audit?nationalId=${mohammadreza.nationalId}`, adminCookie);
    assert.equal(byPerson.status, 200);
    const steps = byPerson.body.map(
      (a: { actor: string; action: string; result: string; branch: string }) =>
        `${a.actor}@${a.branch} ${a.action} ${a.result}`,
    );
    assert.deepEqual(steps.reverse(), [
      "op1@TEH-12 branch.person.viewed ok",
      "op1@TEH-12 branch.activation.requested ok",
      "op1@TEH-12 branch.activation.code failed",
      "op1@TEH-12 branch.activation.codeVerified ok",
      "op1@TEH-12 branch.activation.completed ok",
      "op1@TEH-12 branch.person.viewed ok",
    ]);
    const byAdmin = await get(sys, "/api/staff/audit?actor=admin1", adminCookie);
    const actions = byAdmin.body.map((a: { action: string }) => a.action);
    for (const action of [
      "staff.login.password",
      "staff.totp.enrolled",
      "admin.branch.created",
      "admin.staff.created",
    ]) {
      assert.ok(actions.includes(action), action);
    }
    const all = await get(sys, "/api/staff/audit", adminCookie);
    assert.ok(
      all.body.some(
        (a: { action: string; actor: string | null }) => a.action === "cli.staff.created" && a.actor === null,
      ),
    );
    const future = new Date(sys.clock.now().getTime() + 3_600_000).toISOString();
    assert.deepEqual((await get(sys, `/api/staff/audit?from=${future}`, adminCookie)).body, []);
    assert.equal((await get(sys, `/api/staff/audit?from=yesterday`, adminCookie)).status, 400);

    await assert.rejects(sql`update audit_log set result = 'ok'`.execute(sys.db), /append-only/);
    await assert.rejects(sql`delete from audit_log`.execute(sys.db), /append-only/);
  });

  test("an identity mismatch shows the names of the fields that differ, never the registry's values", async () => {
    await register(sys, { ...ali, firstName: "علیرضا" }, "identity_mismatch");
    const res = await get(sys, `/api/staff/people/${ali.nationalId}`, opCookie);
    assert.equal(res.body.account, null);
    assert.deepEqual(res.body.requests[0].mismatchFields, ["firstName"]);
    assert.ok(!JSON.stringify(res.body).includes("علی"), "no registry value");
  });

  test("a mobile change waiting for the branch is approved with both originals seen", async () => {
    await createAccount(sys, zahra);
    const cookie = await loginCookie(sys, zahra);
    const ask = await sys.app.inject({
      method: "POST",
      url: "/api/account/mobile",
      headers: { cookie },
      payload: { currentPassword: zahra.password, mobile: "09129998877" },
    });
    assert.equal(ask.statusCode, 202);
    const code = await latestCode(sys, "09129998877");
    const verify = await sys.app.inject({
      method: "POST",
      url: "/api/account/mobile/verify",
      headers: { cookie },
      payload: { code },
    });
    assert.equal(verify.json().status, "pending_branch");

    const person = await get(sys, `/api/staff/people/${zahra.nationalId}`, opCookie);
    const change = person.body.pendingMobileChanges[0];
    assert.equal(change.mobile, "0912***8877");
    const url = `/api/staff/people/${zahra.nationalId}/mobile-changes/${change.id}/approve`;
    assert.equal((await post(sys, url, opCookie, { nationalCardSeen: true })).status, 400);
    assert.equal((await post(sys, url, opCookie, DOCS)).status, 200);
    assert.equal((await post(sys, url, opCookie, DOCS)).status, 404);
    const account = await sys.db
      .selectFrom("accounts")
      .select("mobile")
      .where("national_id", "=", zahra.nationalId)
      .executeTakeFirstOrThrow();
    assert.equal(account.mobile, "09129998877");
    // Waited for by its text: a count of texts would also be met by the sign-in code.
    assert.ok(await messageMatching(sys, zahra.mobile, /در شعبه به 0912\*\*\*8877 تغییر کرد/));
  });

  test("an admin locks a citizen with a reason (no sign-in, sessions end) and unlocks", async () => {
    const cookie = await loginCookie(sys, mohammadreza);
    const url = `/api/staff/admin/citizens/${mohammadreza.nationalId}`;
    assert.equal((await post(sys, `${url}/lock`, adminCookie, {})).status, 400);
    const locked = await post(sys, `${url}/lock`, adminCookie, { reason: "گزارش سرقت کارت ملی" });
    assert.deepEqual(locked.body, { status: "locked" });
    assert.equal((await get(sys, "/api/me", cookie)).status, 401);
    const refused = await sys.app.inject({
      method: "POST",
      url: "/api/login",
      payload: { nationalId: mohammadreza.nationalId, password: mohammadreza.password },
    });
    assert.equal(refused.statusCode, 403);
    assert.deepEqual((await post(sys, `${url}/unlock`, adminCookie, { reason: "کارت پیدا شد" })).body, {
      status: "active",
    });
    assert.ok(await loginCookie(sys, mohammadreza));
    const audit = await get(
      sys,
      `/api/staff/audit?nationalId=${mohammadreza.nationalId}&actor=admin1`,
      adminCookie,
    );
    assert.deepEqual(
      audit.body.map((a: { action: string }) => a.action),
      ["admin.citizen.unlocked", "admin.citizen.locked"],
    );
    assert.equal(audit.body[1].details.reason, "گزارش سرقت کارت ملی");
  });

  test("the admin's figures: registrations per status per day, queues, failed jobs, SMS failures", async () => {
    await sys.db
      .updateTable("messages")
      .set({ status: "abandoned", attempts: 12 })
      .where("recipient", "=", NEW_MOBILE)
      .execute();
    const stats = await get(sys, "/api/staff/admin/stats", adminCookie);
    assert.equal(stats.status, 200);
    const statuses = stats.body.registrationsPerDay.map((r: { status: string }) => r.status).sort();
    assert.deepEqual(statuses, ["awaiting_branch_activation", "identity_mismatch"]);
    assert.equal(typeof stats.body.queues.verification, "number");
    assert.ok(Array.isArray(stats.body.failedJobs));
    assert.ok(stats.body.smsFailures.length >= 2);
    assert.equal(stats.body.smsFailures[0].to, "0912***0002");
  });
});
