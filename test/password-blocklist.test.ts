// R-PWD beyond the guide, on every route that sets a password: common passwords and passwords made
// of the person's own data are refused with their own code and the SPEC's message, and every broken
// rule is listed at once.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { commonPasswords } from "../src/domain/common-passwords.ts";
import { blocklistFromText } from "../src/domain/password-blocklist.ts";
import { totpCode } from "../src/platform/totp.ts";
import { createAccount, latestCode, loginCookie, resetTables } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { injectCall, proveMobile } from "./helpers/registration.ts";
import {
  changePassword,
  createMember,
  passwordStep,
  post,
  resetStaffTables,
  staffCookie,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const MESSAGE = "این گذرواژه رایج است یا از اطلاعات شخصی شما ساخته شده است؛ گذرواژهٔ دیگری انتخاب کنید.";
const CODE = "password.commonOrPersonal";
// علی رضایی, born 1365/04/12 (1986-07-03), mobile 09121234567.
const COMMON = ["Password2026", "Iloveyou1", "Tehran1404", "P4ssw0rd99"];
const PERSONAL = ["AliRezaei1365", "Rezaei1986", "Ali13650412", "Rezaie9121234567"];

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetStaffTables(sys);
  await resetTables(sys);
});

type Body = { status: number; body: { errors?: { field: string; code: string; message: string }[] } };
function assertRefused(res: Body, password: string) {
  assert.equal(res.status, 400, password);
  const errors = (res.body.errors ?? []).filter((e) => e.field === "password");
  assert.deepEqual(
    errors.map((e) => e.code),
    [CODE],
    password,
  );
  assert.equal(errors[0]?.message, MESSAGE);
}

const pair = (password: string) => ({ password, passwordConfirmation: password });

describe("registration", () => {
  // One proof of Ali's mobile per test: reusable until a registration is accepted.
  let proof: string | undefined;
  beforeEach(() => {
    proof = undefined;
  });
  const submit = async (body: object) => {
    proof ??= await proveMobile(injectCall(sys), ali.nationalId, ali.mobile);
    return post(sys, "/api/registrations", undefined, { ...body, mobileProof: proof });
  };

  test("a common password and one made of the person's data are refused", async () => {
    for (const p of [...COMMON, ...PERSONAL]) assertRefused(await submit({ ...ali, ...pair(p) }), p);
    assert.equal((await submit(ali)).status, 202);
  });

  test('"abc": every broken rule at once, each with its own message', async () => {
    const res = await submit({ ...ali, ...pair("abc") });
    const errors = (res.body.errors as { field: string; code: string; message: string }[]).filter(
      (e) => e.field === "password",
    );
    assert.deepEqual(
      errors.map((e) => e.code),
      ["password.length", "password.upper", "password.digit"],
    );
    assert.equal(new Set(errors.map((e) => e.message)).size, 3);
  });

  test("a name of someone else is not personal", async () => {
    assert.equal((await submit({ ...ali, ...pair("ZahraKarimi70x") })).status, 202);
  });
});

describe("recovery reset and account change use the account's data", () => {
  test("reset", async () => {
    await createAccount(sys, ali);
    const started = await post(sys, "/api/password-recovery", undefined, {
      nationalId: ali.nationalId,
      method: "sms",
    });
    const code = await latestCode(sys, ali.mobile);
    const verified = await post(sys, `/api/password-recovery/${started.body.recoveryId}/verify`, undefined, {
      code,
    });
    const reset = (password: string) =>
      post(sys, `/api/password-recovery/${started.body.recoveryId}/reset`, undefined, {
        resetToken: verified.body.resetToken,
        ...pair(password),
      });
    for (const p of [COMMON[0]!, PERSONAL[0]!, PERSONAL[1]!]) assertRefused(await reset(p), p);
    assert.equal((await reset("Tazeh2027Ramz")).status, 204);
  });

  test("account password change", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const change = (password: string) =>
      post(sys, "/api/account/password", cookie, { currentPassword: ali.password, ...pair(password) });
    for (const p of [COMMON[1]!, PERSONAL[2]!, PERSONAL[3]!]) assertRefused(await change(p), p);
    assert.equal((await change("Tazeh2027Ramz")).status, 204);
  });
});

describe("staff password change", () => {
  test("common passwords, the username and the member's name are refused", async () => {
    const member = await createMember(sys, "karimi", "admin");
    await sys.db.updateTable("staff").set({ name: "سارا کریمی" }).where("id", "=", member.id).execute();
    sys.clock.advance(30_000);
    const half = await passwordStep(sys, member);
    const totp = await post(sys, "/api/staff/login/totp", half, {
      code: totpCode(member.secret!, sys.clock.now()),
    });
    const cookie = staffCookie(totp.res);
    const change = (password: string) =>
      post(sys, "/api/staff/password", cookie, { currentPassword: member.password, ...pair(password) });
    for (const p of ["Password2026", "Karimi2024", "SaraKarimi1"]) assertRefused(await change(p), p);
    await changePassword(sys, member, cookie);
  });
});

describe("the list in the browser", () => {
  test("a separate, cached, gzipped asset named in the page; not in the app bundle", async () => {
    const page = await sys.app.inject({ method: "GET", url: "/register" });
    const url =
      /<meta name="hoviat-blocklist" content="(\/assets\/common-passwords-[0-9a-f]{10}\.txt)">/.exec(
        page.body,
      )?.[1];
    assert.ok(url, "named in the page");
    const zipped = await sys.app.inject({ method: "GET", url, headers: { "accept-encoding": "gzip, br" } });
    assert.equal(zipped.headers["content-encoding"], "gzip");
    assert.match(String(zipped.headers["cache-control"]), /immutable/);
    const text = gunzipSync(zipped.rawPayload).toString();
    assert.deepEqual(blocklistFromText(text), new Set(commonPasswords()));
    const plain = await sys.app.inject({ method: "GET", url });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body, text);

    const script = /src="(\/assets\/app-[^"]+\.js)"/.exec(page.body)?.[1] ?? "";
    const app = (await sys.app.inject({ method: "GET", url: script })).body;
    assert.ok(
      !app.includes("taminejtemaei") && !app.includes("trustno1"),
      "the list stays out of the bundle",
    );
    assert.ok(zipped.rawPayload.length < 100_000, `${zipped.rawPayload.length} bytes gzipped`);
  });
});
