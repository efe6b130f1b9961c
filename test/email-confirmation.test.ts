// Issue 10: an email is used for password recovery only once a code sent to it came back, and the
// recovery answer looks the same either way.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createAccount, loginCookie, resetTables } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
  await resetTables(sys);
});
after(async () => sys?.stop());

const post = async (url: string, cookie?: string, payload?: object) => {
  const res = await sys.app.inject({
    method: "POST",
    url,
    headers: cookie ? { cookie } : {},
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
};
const recoveryEmails = () =>
  sys.db.selectFrom("messages").select("id").where("template", "=", "recovery.code.email").execute();

test("an unconfirmed email gets no recovery code, with the same answer; confirmed by its code, it does", async () => {
  const id = await createAccount(sys, ali);
  await sys.db.updateTable("accounts").set({ email_confirmed_at: null }).where("id", "=", id).execute();
  const unconfirmed = await post("/api/password-recovery", undefined, {
    nationalId: ali.nationalId,
    method: "email",
  });
  assert.equal(unconfirmed.status, 200);
  assert.deepEqual(Object.keys(unconfirmed.body), ["recoveryId", "resendAfterSeconds"]);
  assert.deepEqual(await recoveryEmails(), []);

  const cookie = await loginCookie(sys, ali);
  assert.equal(
    (await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie } })).json().emailConfirmed,
    false,
  );
  assert.equal((await post("/api/account/email/confirmation", cookie)).status, 202);
  const code = await eventually(async () => {
    const row = await sys.db
      .selectFrom("outbox")
      .select("body")
      .where("recipient", "=", ali.email)
      .executeTakeFirst();
    return row?.body.match(/(?<!\d)(\d{6})(?!\d)/)?.[1];
  });
  const burst = await Promise.all(
    Array.from({ length: 3 }, () =>
      post("/api/account/email/confirmation/verify", cookie, {
        code: code === "000000" ? "111111" : "000000",
      }),
    ),
  );
  assert.ok(burst.every((r) => r.status === 400 && r.body.attemptsLeft >= 2));
  assert.equal((await post("/api/account/email/confirmation/verify", cookie, { code })).status, 200);
  assert.equal(
    (await sys.app.inject({ method: "GET", url: "/api/me", headers: { cookie } })).json().emailConfirmed,
    true,
  );

  sys.clock.advance(61_000);
  const confirmed = await post("/api/password-recovery", undefined, {
    nationalId: ali.nationalId,
    method: "email",
  });
  assert.deepEqual(Object.keys(confirmed.body), Object.keys(unconfirmed.body));
  assert.equal((await recoveryEmails()).length, 1);
});
