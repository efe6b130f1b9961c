// R-ABUSE at the branch. The pre-hijacking attack: a stranger who knows a person's (public) identity
// data registers them with the stranger's own, proved, mobile; the account waits for a branch. The
// real person registers too (a duplicate: "pending" to them). At the desk the operator sees both
// requests, corrects the mobile, activates: the stranger's password must not open the account, and
// the real person sets theirs with the code sent to their phone.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { loginCookie } from "./helpers/accounts.ts";
import { mohammadreza } from "./helpers/people.ts";
import {
  activationCode,
  createBranch,
  createMember,
  firstPasswordCode,
  get,
  post,
  register,
  resetStaffTables,
  signIn,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const DOCS = { nationalCardSeen: true, birthCertificateSeen: true };
const STRANGER_MOBILE = "09129990001";
const REAL_MOBILE = "09127770001";
const stranger = {
  ...mohammadreza,
  mobile: STRANGER_MOBILE,
  email: "stranger@example.com",
  password: "Stranger2026x",
  passwordConfirmation: "Stranger2026x",
};
const real = { ...mohammadreza, mobile: REAL_MOBILE };

let sys: TestSystem;
let op: string;
let otherBranchOp: string;
before(async () => {
  sys = await startTestSystem({ BRANCH_SCOPE: "branch" });
});
after(async () => sys?.stop());
beforeEach(async () => {
  await resetStaffTables(sys);
  op = await signIn(sys, await createMember(sys, "op1", "branch_operator", await createBranch(sys, "TEH-1")));
  otherBranchOp = await signIn(
    sys,
    await createMember(sys, "op2", "branch_operator", await createBranch(sys, "ISF-2")),
  );
});

const activation = (cookie: string, body: object) =>
  post(sys, `/api/staff/people/${mohammadreza.nationalId}/activation`, cookie, { ...DOCS, ...body });
const verify = (cookie: string, id: string, code: string) =>
  post(sys, `/api/staff/activations/${id}/verify`, cookie, { code });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");
const firstPassword = (code: string, password = "Mohammad2026x") =>
  post(sys, "/api/first-password", undefined, {
    nationalId: mohammadreza.nationalId,
    code,
    password,
    passwordConfirmation: password,
  });

describe("the pre-hijacking attack", () => {
  test("the stranger's password, answers and email do not survive the branch; the person sets their own", async () => {
    await register(sys, stranger, "awaiting_branch_activation");
    sys.clock.advance(60_000);
    await register(sys, real, "duplicate");
    const track = await post(sys, "/api/registrations/tracking", undefined, {
      nationalId: real.nationalId,
      mobile: real.mobile,
    });
    assert.equal(track.body.status, "pending", "to the real person the duplicate reads as pending");

    // The operator sees both requests before activating, the duplicate as such.
    const person = await get(sys, `/api/staff/people/${mohammadreza.nationalId}`, op);
    const seen = person.body.requests.map(
      (r: { status: string; mobile: string; accountCameFromIt: boolean }) => [
        r.status,
        r.mobile,
        r.accountCameFromIt,
      ],
    );
    assert.deepEqual(seen.sort(), [
      ["awaiting_branch_activation", "0912***0001", true],
      ["duplicate", "0912***0001", false],
    ]);

    const started = await activation(op, { mobile: REAL_MOBILE });
    assert.equal(started.status, 202);
    const done = await verify(
      op,
      started.body.activationId,
      await activationCode(sys, started.body.activationId),
    );
    assert.equal(done.body.status, "activated");

    await assert.rejects(loginCookie(sys, stranger), /login 401/, "the stranger's password opens nothing");
    const account = await sys.db.selectFrom("accounts").selectAll().executeTakeFirstOrThrow();
    assert.equal(account.mobile, REAL_MOBILE);
    assert.equal(account.email, null, "the stranger's email is gone");
    assert.deepEqual(
      await sys.db.selectFrom("security_answers").select("question_id").execute(),
      [],
      "the stranger's answers are gone",
    );
    // Recovery cannot go to the stranger either: nothing of theirs is left to send a code to.
    const recovery = await post(sys, "/api/password-recovery", undefined, {
      nationalId: mohammadreza.nationalId,
      method: "email",
    });
    assert.equal(recovery.status, 200);
    const toStranger = await sys.db
      .selectFrom("messages")
      .select("template")
      .where("recipient", "in", [STRANGER_MOBILE, stranger.email])
      .execute();
    assert.ok(
      toStranger.every((m) => !m.template.startsWith("branch.") && !m.template.startsWith("recovery.")),
      JSON.stringify(toStranger),
    );

    const code = await firstPasswordCode(sys, mohammadreza.nationalId);
    assert.equal((await firstPassword(code)).status, 204);
    assert.ok(await loginCookie(sys, real, "Mohammad2026x"));
    assert.equal((await firstPassword(code, "Another2026x")).status, 400, "the code works once");
    const me = await get(sys, "/api/me", await loginCookie(sys, real, "Mohammad2026x"));
    assert.equal(me.body.securityQuestionsSet, false, "the account pages ask for questions first");
  });

  test("first password: R-PWD rules, the same 400 for an unknown ID, a new code on request", async () => {
    await register(sys, stranger, "awaiting_branch_activation");
    const started = await activation(op, { mobile: REAL_MOBILE });
    await verify(op, started.body.activationId, await activationCode(sys, started.body.activationId));
    const code = await firstPasswordCode(sys, mohammadreza.nationalId);

    const weak = await firstPassword(code, "short");
    assert.equal(weak.status, 400);
    assert.ok(weak.body.errors.some((e: { field: string }) => e.field === "password"));
    const unknown = await post(sys, "/api/first-password", undefined, {
      nationalId: "0012345679",
      code,
      password: "Mohammad2026x",
      passwordConfirmation: "Mohammad2026x",
    });
    const wrongCode = await firstPassword(wrong(code));
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, wrongCode.body, "an unknown ID answers as a wrong code does");
    assert.match(unknown.body.title, /[\u0600-\u06FF]/);

    for (const nationalId of [mohammadreza.nationalId, "0012345679"]) {
      assert.equal((await post(sys, "/api/first-password/code", undefined, { nationalId })).status, 202);
    }
    const fresh = await firstPasswordCode(sys, mohammadreza.nationalId);
    if (fresh !== code) assert.equal((await firstPassword(code)).status, 400, "the older code is void");
    assert.equal((await firstPassword(fresh)).status, 204);
  });

  test("first password: a burst of 35 parallel wrong codes spends the 5 tries; the right one then fails", async () => {
    await register(sys, stranger, "awaiting_branch_activation");
    const started = await activation(op, {});
    await verify(op, started.body.activationId, await activationCode(sys, started.body.activationId));
    const code = await firstPasswordCode(sys, mohammadreza.nationalId);
    const burst = await Promise.all(Array.from({ length: 35 }, () => firstPassword(wrong(code))));
    assert.ok(burst.every((r) => r.status === 400));
    assert.equal((await firstPassword(code)).status, 400);
    const setup = await sys.db
      .selectFrom("password_setups")
      .select(["attempts", "status"])
      .executeTakeFirstOrThrow();
    assert.deepEqual(setup, { attempts: 5, status: "dead" });
  });
});

describe("the desk", () => {
  test("without a corrected number the code goes to the number on record: a stranger's phone stalls it", async () => {
    await register(sys, stranger, "awaiting_branch_activation");
    const started = await activation(op, {});
    assert.equal(started.body.status, "pending_code");
    assert.equal(started.body.mobile, "0912***0001");
    const message = await sys.db
      .selectFrom("messages")
      .select("recipient")
      .where("dedupe_key", "=", `branch-activation:${started.body.activationId}:code`)
      .executeTakeFirstOrThrow();
    assert.equal(message.recipient, STRANGER_MOBILE);
    const account = await sys.db.selectFrom("accounts").select("status").executeTakeFirstOrThrow();
    assert.equal(account.status, "awaiting_branch_activation", "nothing is active until the code is told");
  });

  test("BRANCH_SCOPE=branch: another branch cannot start over an activation begun elsewhere", async () => {
    await register(sys, stranger, "awaiting_branch_activation");
    const begun = await activation(op, { mobile: REAL_MOBILE });
    assert.equal(begun.status, 202);
    const elsewhere = await activation(otherBranchOp, { mobile: "09121110000" });
    assert.equal(elsewhere.status, 403);
    assert.equal(elsewhere.body.code, "branch.activationElsewhere");
    assert.match(elsewhere.body.title, /شعبهٔ دیگری/);
    const row = await sys.db
      .selectFrom("branch_activations")
      .select("status")
      .where("id", "=", begun.body.activationId)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, "pending_code", "what the first branch began is untouched");
    // Once it has run out, any branch may begin anew.
    sys.clock.advance(6 * 60_000);
    assert.equal((await activation(otherBranchOp, { mobile: REAL_MOBILE })).status, 202);
  });

  test("the desk code: a burst of 35 parallel wrong codes spends the 5 tries; the right one then fails", async () => {
    await register(sys, stranger, "awaiting_branch_activation");
    const started = await activation(op, { mobile: REAL_MOBILE });
    const id = started.body.activationId as string;
    const code = await activationCode(sys, id);
    const burst = await Promise.all(Array.from({ length: 35 }, () => verify(op, id, wrong(code))));
    assert.ok(burst.every((r) => r.status === 400));
    assert.equal(burst.filter((r) => r.body.code === "account.wrongCode").length, 4);
    const right = await verify(op, id, code);
    assert.notEqual(right.status, 200);
    const account = await sys.db.selectFrom("accounts").select("status").executeTakeFirstOrThrow();
    assert.equal(account.status, "awaiting_branch_activation");
  });
});
