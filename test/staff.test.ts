import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { createBranchFromArgs, createStaffFromArgs } from "../src/flows/staff/cli.ts";
import { base32Encode, hotp, matchTotp, timeStep, totpCode } from "../src/platform/totp.ts";
import { answer } from "./helpers/challenge.ts";
import {
  createBranch,
  createMember,
  get,
  passwordStep,
  post,
  resetStaffTables,
  signIn,
  staffCookie,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetStaffTables(sys);
});

describe("TOTP (RFC 6238)", () => {
  const secret = base32Encode(Buffer.from("12345678901234567890"));
  test("matches the RFC's SHA-1 test vectors (last six digits)", () => {
    for (const [seconds, code] of [
      [59, "287082"],
      [1111111109, "081804"],
      [1234567890, "005924"],
      [2000000000, "279037"],
    ] as const) {
      assert.equal(hotp(secret, Math.floor(seconds / 30)), code);
    }
  });

  test("accepts one step of drift either way and nothing further", () => {
    const now = new Date("2026-11-25T08:00:10Z");
    const step = timeStep(now);
    for (const delta of [-1, 0, 1])
      assert.equal(matchTotp(secret, hotp(secret, step + delta), now, null), step + delta);
    for (const delta of [-2, 2]) assert.equal(matchTotp(secret, hotp(secret, step + delta), now, null), null);
    assert.equal(matchTotp(secret, "12345", now, null), null);
  });

  test("a code is single-use: its step, or an earlier one, is refused once used", () => {
    const now = new Date("2026-11-25T08:00:10Z");
    const step = timeStep(now);
    assert.equal(matchTotp(secret, totpCode(secret, now), now, step), null);
    assert.equal(matchTotp(secret, hotp(secret, step - 1), now, step), null);
    assert.equal(matchTotp(secret, hotp(secret, step + 1), now, step), step + 1);
  });
});

describe("staff sign-in", () => {
  test("first sign-in enrols TOTP: otpauth URI, secret in groups of four, then a code", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const res = await post(sys, "/api/staff/login", undefined, {
      username: "admin1",
      password: admin.password,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.next, "enrol");
    assert.match(res.body.enrolment.secret, /^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    assert.match(
      res.body.enrolment.otpauthUri,
      /^otpauth:\/\/totp\/Hoviat%3Aadmin1\?secret=[A-Z2-7]+&issuer=Hoviat/,
    );
    assert.match(res.body.enrolment.qrSvg, /^<svg[^>]*>[\s\S]*<\/svg>\s*$/, "a QR code to scan, as SVG");
    const cookie = res.res.cookies.find((c) => c.name === "hoviat_staff")!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.equal(cookie.path, "/");
    const stored = await sys.db.selectFrom("staff").select("totp_secret").executeTakeFirstOrThrow();
    assert.ok(!stored.totp_secret?.includes(res.body.enrolment.secret.replaceAll(" ", "")), "sealed at rest");

    const full = await signIn(sys, admin);
    assert.equal((await get(sys, "/api/staff/me", full)).body.role, "admin");
    const again = await post(sys, "/api/staff/login", undefined, {
      username: "admin1",
      password: admin.password,
    });
    assert.equal(again.body.next, "totp");
    assert.equal(again.body.enrolment, undefined);
  });

  test("the same code is refused the second time within its window", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    await signIn(sys, admin);
    const code = totpCode(admin.secret!, sys.clock.now());
    const first = await passwordStep(sys, admin);
    // signIn used the code of this step already.
    assert.equal((await post(sys, "/api/staff/login/totp", first, { code })).status, 400);
    sys.clock.advance(30_000);
    const fresh = totpCode(admin.secret!, sys.clock.now());
    assert.equal((await post(sys, "/api/staff/login/totp", first, { code: fresh })).status, 200);
    const second = await passwordStep(sys, admin);
    assert.equal((await post(sys, "/api/staff/login/totp", second, { code: fresh })).status, 400);
  });

  test("the half session opens nothing but the TOTP step, and expires after five minutes", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const half = await passwordStep(sys, admin);
    assert.equal((await get(sys, "/api/staff/me", half)).status, 403);
    assert.equal((await get(sys, "/api/staff/admin/staff", half)).status, 403);
    sys.clock.advance(5 * 60_000 + 1000);
    const code = totpCode(admin.secret!, sys.clock.now());
    assert.equal((await post(sys, "/api/staff/login/totp", half, { code })).status, 401);
  });

  test("wrong passwords and wrong codes count together; then a challenge, never a lock-out", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await post(sys, "/api/staff/login", undefined, { username: "admin1", password: "nope" })).status,
        401,
      );
    }
    const half = await passwordStep(sys, admin);
    for (let i = 0; i < 2; i++)
      assert.equal((await post(sys, "/api/staff/login/totp", half, { code: "000000" })).status, 400);
    const right = { username: "admin1", password: admin.password };
    const asked = await sys.app.inject({ method: "POST", url: "/api/staff/login", payload: right });
    assert.equal(asked.json().code, "challenge_required");
    const headers = { "x-altcha": await answer(asked) };
    const solved = await sys.app.inject({ method: "POST", url: "/api/staff/login", payload: right, headers });
    assert.equal(solved.statusCode, 200);
    const failures = await sys.db
      .selectFrom("audit_log")
      .select("action")
      .where("result", "=", "failed")
      .execute();
    assert.equal(failures.length, 5);
  });

  test("the handed-over password opens nothing until it is replaced (R-PWD), and then no longer works", async () => {
    const operator = await createMember(sys, "op1", "branch_operator", await createBranch(sys, "T01"));
    sys.clock.advance(30_000);
    const half = await passwordStep(sys, operator);
    const code = totpCode(operator.secret!, sys.clock.now());
    const cookie = staffCookie((await post(sys, "/api/staff/login/totp", half, { code })).res);
    assert.equal((await get(sys, "/api/staff/me", cookie)).body.mustChangePassword, true);
    const refused = await get(sys, "/api/staff/people/0034567895", cookie);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, "staff.passwordChangeRequired");
    const change = (body: object) => post(sys, "/api/staff/password", cookie, body);
    assert.equal(
      (await change({ currentPassword: "wrong", password: "Kar2026abc", passwordConfirmation: "Kar2026abc" }))
        .status,
      400,
    );
    const same = await change({
      currentPassword: operator.password,
      password: operator.password,
      passwordConfirmation: operator.password,
    });
    assert.ok(
      same.body.errors.some(
        (e: { code: string }) => e.code === "staff.password.same" || e.code.startsWith("password."),
      ),
    );
    const weak = await change({
      currentPassword: operator.password,
      password: "short",
      passwordConfirmation: "short",
    });
    assert.deepEqual(weak.body.errors.map((e: { code: string }) => e.code).sort(), [
      "password.commonOrPersonal",
      "password.digit",
      "password.length",
      "password.upper",
    ]);
    const ok = await change({
      currentPassword: operator.password,
      password: "Kar2026abc",
      passwordConfirmation: "Kar2026abc",
    });
    assert.equal(ok.status, 204);
    assert.equal((await get(sys, "/api/staff/people/0034567895", cookie)).status, 200);
    const old = await post(sys, "/api/staff/login", undefined, {
      username: "op1",
      password: operator.password,
    });
    assert.equal(old.status, 401);
    assert.equal(
      (await post(sys, "/api/staff/login", undefined, { username: "op1", password: "Kar2026abc" })).status,
      200,
    );
  });

  test("an unknown username costs a real hash and answers like a wrong password", async () => {
    const res = await post(sys, "/api/staff/login", undefined, { username: "ghost", password: "whatever" });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, "invalidCredentials");
  });

  test("sessions end after 15 idle minutes; logout revokes at once", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const cookie = await signIn(sys, admin);
    sys.clock.advance(14 * 60_000);
    assert.equal((await get(sys, "/api/staff/me", cookie)).status, 200);
    sys.clock.advance(15 * 60_000 + 1000);
    assert.equal((await get(sys, "/api/staff/me", cookie)).status, 401);
    const other = await signIn(sys, admin);
    assert.equal((await post(sys, "/api/staff/logout", other)).status, 204);
    assert.equal((await get(sys, "/api/staff/me", other)).status, 401);
  });

  test("a locked staff member cannot sign in, and their sessions stop at once", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const branch = await createBranch(sys, "T01");
    const operator = await createMember(sys, "op1", "branch_operator", branch);
    const adminCookie = await signIn(sys, admin);
    const opCookie = await signIn(sys, operator);
    assert.equal((await post(sys, `/api/staff/admin/staff/${operator.id}/lock`, adminCookie)).status, 204);
    assert.equal((await get(sys, "/api/staff/me", opCookie)).status, 401);
    const res = await post(sys, "/api/staff/login", undefined, {
      username: "op1",
      password: operator.password,
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "staff.locked");
    assert.equal((await post(sys, `/api/staff/admin/staff/${operator.id}/unlock`, adminCookie)).status, 204);
    assert.ok(await signIn(sys, operator));
  });

  test("a TOTP reset makes the next sign-in enrol a new secret", async () => {
    const admin = await createMember(sys, "admin1", "admin");
    const operator = await createMember(sys, "op1", "branch_operator", await createBranch(sys, "T01"));
    const adminCookie = await signIn(sys, admin);
    await signIn(sys, operator);
    const old = operator.secret;
    assert.equal(
      (await post(sys, `/api/staff/admin/staff/${operator.id}/reset-totp`, adminCookie)).status,
      204,
    );
    await signIn(sys, operator);
    assert.notEqual(operator.secret, old);
  });
});

describe("staff:create", () => {
  test("creates an admin with a one-time password and prints the enrolment steps", async () => {
    const lines: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(`ERR ${s}`) };
    const argv = ["--username", "Root", "--name", "مدیر سامانه", "--role", "admin"];
    assert.equal(await createStaffFromArgs(sys.db, argv, sys.clock.now(), out), 0);
    const password = /one-time password: (\S+)/.exec(lines.join("\n"))?.[1];
    assert.ok(password && password.length === 16);
    assert.match(lines.join("\n"), /TOTP secret/);
    assert.ok(await signIn(sys, { id: "", username: "root", password }));
    assert.equal(await createStaffFromArgs(sys.db, argv, sys.clock.now(), out), 2, "username taken");
    const op = ["--username", "op1", "--name", "کارمند", "--role", "branch_operator", "--branch", "NOPE"];
    assert.equal(await createStaffFromArgs(sys.db, op, sys.clock.now(), out), 1);
  });

  test("the README's example works on a fresh database: branch:create, then an operator of it", async () => {
    const lines: string[] = [];
    const out = { log: (s: string) => lines.push(s), error: (s: string) => lines.push(`ERR ${s}`) };
    const now = sys.clock.now();
    const branch = ["--code", "TEH-12", "--name", "شعبه ۱۲ تهران"];
    assert.equal(await createBranchFromArgs(sys.db, branch, now, out), 0);
    assert.equal(await createBranchFromArgs(sys.db, branch, now, out), 2, "code taken");
    assert.equal(await createBranchFromArgs(sys.db, ["--code", "x"], now, out), 2);
    assert.match(lines.join("\n"), /ERR --name: /);
    const op = ["--username", "op1", "--name", "کارمند", "--role", "branch_operator", "--branch", "TEH-12"];
    assert.equal(await createStaffFromArgs(sys.db, op, now, out), 0);
  });
});
