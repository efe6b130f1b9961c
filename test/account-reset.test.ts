// Account reset (issue 19 item 4): a holder who lost every factor waits 24 hours with notices, any
// full sign-in of theirs cancels it, then a sign-in by password leads to a new mobile proved by a code
// and checked against the ownership registry.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { sql } from "kysely";
import {
  ACCOUNT_RESET_WAIT_MS,
  cancelAccountReset,
  enterAccountReset,
} from "../src/flows/login/account-reset.ts";
import { createSession } from "../src/flows/login/sessions.ts";
import { MAX_ATTEMPTS } from "../src/platform/one-time-codes.ts";
import {
  createAccount,
  latestCode,
  messageMatching,
  notices,
  outbox,
  resetTables,
  signInFully,
} from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const LOST = "09120000009";
const OWNED = ali.mobile;
const NOT_OWNED = "09125550000";
let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetTables(sys);
  for (const table of [
    "account_resets",
    "totp_factors",
    "backup_codes",
    "remembered_browsers",
    "passkeys",
  ] as const) {
    await sys.db.deleteFrom(table).execute();
  }
});

async function call(method: "GET" | "POST", url: string, cookie?: string, payload?: object) {
  const res = await sys.app.inject({
    method,
    url,
    ...(payload ? { payload } : {}),
    ...(cookie ? { headers: { cookie } } : {}),
  });
  const session = res.cookies.find((c) => c.name === "hoviat_session");
  return {
    status: res.statusCode,
    body: res.body ? res.json() : undefined,
    cookie: session?.value ? `hoviat_session=${session.value}` : undefined,
  };
}

/** POST /api/login with the password: the answer and its (half) session cookie. */
async function passwordStep(person = ali) {
  return call("POST", "/api/login", undefined, { nationalId: person.nationalId, password: person.password });
}

/** A session as the sign-in leaves it: half (password right, second factor due) or full. */
async function session(accountId: string, stage: "second_factor" | "full") {
  const policy = { idleMinutes: 30, absoluteHours: 12 };
  const proof = {
    stage,
    amr: stage === "full" ? ["pwd", "sms", "mfa"] : ["pwd"],
    aal: stage === "full" ? 2 : 1,
  } as const;
  const s = await createSession(
    sys.db,
    accountId,
    sys.clock.now(),
    policy,
    { ip: null, userAgent: null },
    {
      ...proof,
      amr: [...proof.amr],
    },
  );
  return `hoviat_session=${s.token}`;
}

const events = async () =>
  (await sys.db.selectFrom("security_events").select("type").orderBy("created_at").execute()).map(
    (e) => e.type,
  );
const resets = () => sys.db.selectFrom("account_resets").selectAll().execute();
const account = (id: string) =>
  sys.db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

/** The lost holder's account with every kind of factor, a half session and a reset that served its wait. */
async function readyReset() {
  const id = await createAccount(sys, { ...ali, mobile: LOST });
  const now = sys.clock.now();
  await sys.db
    .insertInto("totp_factors")
    .values({ id: crypto.randomUUID(), account_id: id, name: "app", secret_sealed: "x", created_at: now })
    .execute();
  await sys.db
    .insertInto("backup_codes")
    .values({ id: crypto.randomUUID(), account_id: id, code_hash: "x", created_at: now })
    .execute();
  await sys.db
    .insertInto("passkeys")
    .values({
      id: crypto.randomUUID(),
      owner_kind: "account",
      owner_id: id,
      name: "phone",
      credential_id: crypto.randomUUID(),
      public_key: "x",
      transports: null,
      device_type: null,
      created_at: now,
    })
    .execute();
  await sys.db
    .insertInto("remembered_browsers")
    .values({
      id: crypto.randomUUID(),
      account_id: id,
      token_hash: crypto.randomUUID(),
      created_at: now,
      expires_at: new Date(now.getTime() + 86_400_000),
      ip: null,
      user_agent: null,
    })
    .execute();
  const other = await session(id, "full");
  const first = await passwordStep();
  assert.equal(first.body.next, "second_factor");
  const started = await call("POST", "/api/login/account-reset", first.cookie);
  assert.equal(started.status, 202);
  sys.clock.advance(ACCOUNT_RESET_WAIT_MS);
  // After the wait, the sign-in by password leads to the new mobile; no code goes to the lost one.
  const again = await passwordStep();
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, { next: "new_mobile" });
  const codes = await sys.db.selectFrom("sign_in_codes").select("id").execute();
  assert.equal(codes.length, 1, "only the first sign-in's code: none for the one that leads to the reset");
  return { id, half: again.cookie!, other };
}

describe("asking for a reset", () => {
  test("a half session starts the 24-hour wait: 202 {readyAt}, notices to the mobile and the confirmed email", async () => {
    const id = await createAccount(sys, ali);
    assert.equal((await call("POST", "/api/login/account-reset")).status, 401);
    assert.equal((await call("POST", "/api/login/account-reset", await session(id, "full"))).status, 401);
    const half = await passwordStep();
    assert.equal(half.body.next, "second_factor");
    const res = await call("POST", "/api/login/account-reset", half.cookie);
    assert.equal(res.status, 202);
    const readyAt = new Date(sys.clock.now().getTime() + ACCOUNT_RESET_WAIT_MS);
    assert.deepEqual(res.body, { readyAt: readyAt.toISOString() });
    const [row] = await resets();
    assert.equal(row!.status, "waiting");
    assert.equal(row!.ready_at.getTime(), readyAt.getTime());
    const [sms] = await notices(sys, ali.mobile);
    assert.match(sms!, /^کاربر گرامی، درخواست بازنشانی حساب کاربری شما ثبت شد/);
    assert.match(sms!, /هر ورود کامل شما به حساب تا آن زمان این درخواست را لغو می‌کند/);
    const [mail] = await outbox(sys, ali.email);
    assert.match(mail!, /درخواست بازنشانی حساب کاربری/);
    assert.deepEqual(await events(), ["accountReset.requested"]);
  });

  test("an email not confirmed gets no notice", async () => {
    const id = await createAccount(sys, ali);
    await sys.db.updateTable("accounts").set({ email_confirmed_at: null }).execute();
    assert.equal(
      (await call("POST", "/api/login/account-reset", await session(id, "second_factor"))).status,
      202,
    );
    await outbox(sys, ali.mobile);
    const mails = await sys.db.selectFrom("messages").select("id").where("channel", "=", "email").execute();
    assert.equal(mails.length, 0);
  });

  test("20 parallel starts make one reset and one set of notices", async () => {
    const id = await createAccount(sys, ali);
    const half = await session(id, "second_factor");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => call("POST", "/api/login/account-reset", half)),
    );
    const ok = answers.filter((a) => a.status === 202);
    assert.ok(ok.length >= 1);
    assert.ok(
      answers.every((a) => a.status === 202 || a.status === 429),
      JSON.stringify(answers.map((a) => a.status)),
    );
    assert.equal(new Set(ok.map((a) => a.body.readyAt)).size, 1);
    assert.equal((await resets()).length, 1);
    const messages = await sys.db.selectFrom("messages").select("channel").execute();
    assert.deepEqual(messages.map((m) => m.channel).sort(), ["email", "sms"]);
  });

  test("before the wait is over, no new mobile: 403 accountReset.notReady", async () => {
    const id = await createAccount(sys, ali);
    await call("POST", "/api/login/account-reset", await session(id, "second_factor"));
    sys.clock.advance(ACCOUNT_RESET_WAIT_MS - 1000);
    const half = await session(id, "second_factor");
    assert.equal(await enterAccountReset(sys.db, id, sys.clock.now(), { ip: null, userAgent: null }), false);
    const res = await call("POST", "/api/login/account-reset/mobile", half, { mobile: OWNED });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "accountReset.notReady");
  });

  test("a stranger who knows the password starts one; the holder, warned, signs in and cancels it", async () => {
    const id = await createAccount(sys, ali);
    const stranger = await passwordStep();
    assert.equal((await call("POST", "/api/login/account-reset", stranger.cookie)).status, 202);
    // The holder reads the notice and signs in as usual: password and the SMS code on their phone.
    await outbox(sys, ali.email);
    const holder = await signInFully(sys, ali);
    assert.equal((await call("GET", "/api/me", holder.cookie)).status, 200);
    assert.equal((await resets())[0]!.status, "cancelled");
    sys.clock.advance(ACCOUNT_RESET_WAIT_MS);
    const later = await passwordStep();
    assert.equal(later.body.next, "second_factor", "after the wait the stranger is asked the factor again");
    const res = await call("POST", "/api/login/account-reset/mobile", later.cookie, { mobile: NOT_OWNED });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "accountReset.notReady");
    assert.equal((await account(id)).mobile, ali.mobile);
    const types = await events();
    assert.ok(
      types.indexOf("accountReset.cancelled") > types.indexOf("accountReset.requested"),
      types.join(),
    );
    assert.equal(await cancelAccountReset(sys.db, id, sys.clock.now()), false, "nothing left to cancel");
  });

  test("the holder's remembered browser, with the password alone, cancels it too", async () => {
    await createAccount(sys, ali);
    const { device } = await signInFully(sys, ali, ali.password, { rememberBrowser: true });
    const stranger = await passwordStep();
    assert.equal((await call("POST", "/api/login/account-reset", stranger.cookie)).status, 202);
    assert.equal((await resets())[0]!.status, "waiting");
    const holder = await call("POST", "/api/login", device!, {
      nationalId: ali.nationalId,
      password: ali.password,
    });
    assert.deepEqual(holder.body, { next: "done" });
    assert.equal((await resets())[0]!.status, "cancelled");
  });
});

describe("the new mobile", () => {
  test("owned: code to the new number, mobile replaced, other factors and sessions gone, a full session", async () => {
    const { id, half, other } = await readyReset();
    const asked = await call("POST", "/api/login/account-reset/mobile", half, { mobile: "+98 912 123 4567" });
    assert.equal(asked.status, 202);
    const [text] = await outbox(sys, OWNED);
    assert.match(
      text!,
      /^کد احراز هویت شما برای ثبت شماره همراه تازه در بازنشانی حساب: (\d{6})\n.*\n@127\.0\.0\.1 #\1$/s,
    );
    const code = await latestCode(sys, OWNED);
    const wrong = await call("POST", "/api/login/account-reset/mobile/verify", half, {
      code: code === "000000" ? "111111" : "000000",
    });
    assert.equal(wrong.status, 400);
    assert.deepEqual([wrong.body.code, wrong.body.attemptsLeft], ["account.wrongCode", MAX_ATTEMPTS - 1]);
    assert.equal((await account(id)).mobile, LOST, "nothing changes before the code");

    const done = await call("POST", "/api/login/account-reset/mobile/verify", half, { code });
    assert.equal(done.status, 200);
    assert.deepEqual(done.body, { status: "applied" });
    assert.ok(done.cookie && done.cookie !== half);
    assert.equal((await call("GET", "/api/me", done.cookie)).status, 200);
    assert.equal((await call("GET", "/api/me", half)).status, 401);
    assert.equal((await call("GET", "/api/me", other)).status, 401, "every other session ends");
    const after = await account(id);
    assert.equal(after.mobile, OWNED);
    assert.equal(after.sms_second_factor, true);
    for (const table of ["totp_factors", "backup_codes"] as const) {
      assert.equal((await sys.db.selectFrom(table).select("id").execute()).length, 0, table);
    }
    assert.equal((await sys.db.selectFrom("passkeys").select("id").execute()).length, 0);
    const browsers = await sys.db.selectFrom("remembered_browsers").select("revoked_at").execute();
    assert.ok(browsers.every((b) => b.revoked_at !== null));
    const fresh = await sys.db
      .selectFrom("sessions")
      .select(["stage", "amr", "aal"])
      .where("revoked_at", "is", null)
      .executeTakeFirstOrThrow();
    assert.deepEqual(fresh, { stage: "full", amr: ["mfa", "pwd", "sms"], aal: 2 });
    assert.equal((await resets())[0]!.status, "used");
    assert.ok(
      await messageMatching(
        sys,
        LOST,
        /حساب کاربری شما بازنشانی شد: شماره همراه آن به 0912\*\*\*4567 تغییر کرد/,
      ),
    );
    assert.ok(await messageMatching(sys, ali.email, /حساب کاربری شما بازنشانی شد/));
    assert.deepEqual(await events(), [
      "accountReset.requested",
      "accountReset.signIn",
      "accountReset.mobileCodeSent",
      "accountReset.applied",
    ]);
    // Used once: the same code, or another reset step, gets nothing more.
    const again = await call("POST", "/api/login/account-reset/mobile/verify", done.cookie, { code });
    assert.equal(again.status, 401);
  });

  test("not owned: the change waits for a branch, the mobile stays, the half session ends", async () => {
    const { id, half } = await readyReset();
    await call("POST", "/api/login/account-reset/mobile", half, { mobile: NOT_OWNED });
    const done = await call("POST", "/api/login/account-reset/mobile/verify", half, {
      code: await latestCode(sys, NOT_OWNED),
    });
    assert.deepEqual(done.body, { status: "pending_branch" });
    assert.equal((await call("GET", "/api/me", half)).status, 401);
    assert.equal((await account(id)).mobile, LOST);
    const change = await sys.db.selectFrom("account_changes").selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([change.status, change.new_value], ["pending_branch", NOT_OWNED]);
    assert.equal((await sys.db.selectFrom("totp_factors").select("id").execute()).length, 1, "factors stay");
    assert.equal((await resets())[0]!.status, "used");
    assert.ok(await messageMatching(sys, LOST, /شعبه/));
    assert.equal((await events()).at(-1), "accountReset.pendingBranch");
  });

  test("40 parallel wrong codes, then the right one: nothing applied", async () => {
    const { id, half } = await readyReset();
    await call("POST", "/api/login/account-reset/mobile", half, { mobile: OWNED });
    const code = await latestCode(sys, OWNED);
    const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, "0");
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call("POST", "/api/login/account-reset/mobile/verify", half, { code: wrong(i) }),
      ),
    );
    assert.ok(answers.every((a) => a.status === 400));
    assert.equal(answers.filter((a) => a.body.code === "account.wrongCode").length, MAX_ATTEMPTS - 1);
    const right = await call("POST", "/api/login/account-reset/mobile/verify", half, { code });
    assert.equal(right.status, 400);
    assert.equal((await account(id)).mobile, LOST);
    assert.equal((await resets())[0]!.status, "ready");
  });

  test("a full sign-in of the holder between the code and its verification cancels the change", async () => {
    const { id, half } = await readyReset();
    await call("POST", "/api/login/account-reset/mobile", half, { mobile: OWNED });
    const code = await latestCode(sys, OWNED);
    await cancelAccountReset(sys.db, id, sys.clock.now());
    const res = await call("POST", "/api/login/account-reset/mobile/verify", half, { code });
    assert.equal(res.status, 403);
    assert.equal((await account(id)).mobile, LOST);
    const [{ n }] = (await sql<{ n: number }>`select count(*)::int as n from totp_factors`.execute(sys.db))
      .rows as [{ n: number }];
    assert.equal(n, 1);
  });
});
