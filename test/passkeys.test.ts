// Passkeys of citizens through the HTTP API, with a software authenticator (test/helpers/webauthn.ts):
// enrolment (needs the holder proved again; an event and an SMS), sign-in without a password, the
// second factor of a half session, a step-up, and what an attacker tries: another account's passkey,
// a replayed challenge or assertion, a cloned authenticator, no user verification, a wrong origin.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { createAccount, loginCookie, notices, resetTables } from "./helpers/accounts.ts";
import { ali, zahra } from "./helpers/people.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";
import { SoftwareAuthenticator } from "./helpers/webauthn.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetTables(sys);
  await sys.db.deleteFrom("passkeys").execute();
  await sys.db.deleteFrom("webauthn_challenges").execute();
});

type Method = "GET" | "POST" | "PATCH" | "DELETE";
async function call(method: Method, url: string, cookie?: string, payload?: object) {
  const res = await sys.app.inject({
    method,
    url,
    headers: cookie ? { cookie } : {},
    ...(payload ? { payload } : {}),
  });
  const session = res.cookies.find((c) => c.name === "hoviat_session");
  return {
    status: res.statusCode,
    body: res.body ? res.json() : undefined,
    cookie: session ? `hoviat_session=${session.value}` : undefined,
  };
}

const authenticator = (options: ConstructorParameters<typeof SoftwareAuthenticator>[1] = {}) =>
  new SoftwareAuthenticator(sys.relyingParty.origins[0]!, options);

/** Options, the authenticator's answer, and the registration: the passkey's id. */
async function enrol(cookie: string, device: SoftwareAuthenticator, name?: string) {
  const options = await call("POST", "/api/account/passkeys/registration/options", cookie, {
    currentPassword: ali.password,
  });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  const response = device.create(options.body);
  const created = await call("POST", "/api/account/passkeys/registration", cookie, {
    response,
    ...(name ? { name } : {}),
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.id as string;
}

async function signIn(device: SoftwareAuthenticator, cookie?: string, gesture = {}) {
  const options = await call("POST", "/api/passkeys/authentication/options", cookie);
  assert.equal(options.status, 200);
  return call("POST", "/api/passkeys/authentication", cookie, {
    response: device.get(options.body, gesture),
  });
}

async function sessionOf(cookie: string) {
  const token = cookie.split("=")[1]!;
  const { hashToken } = await import("../src/platform/tokens.ts");
  return sys.db
    .selectFrom("sessions")
    .select(["account_id", "stage", "amr", "aal", "auth_time", "revoked_at"])
    .where("id_hash", "=", hashToken(token))
    .executeTakeFirstOrThrow();
}

/** The password step of /api/login: a half session, its second factor due. */
async function halfSession(person = ali) {
  const res = await call("POST", "/api/login", undefined, {
    nationalId: person.nationalId,
    password: person.password,
  });
  assert.equal(res.body.next, "second_factor");
  return res.cookie!;
}

const eventTypes = async () =>
  (await sys.db.selectFrom("security_events").select("type").orderBy("created_at").execute()).map(
    (e) => e.type,
  );

describe("enrolment", () => {
  test("needs the current password, is discoverable with user verification, and is announced", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    // Without proof of the holder (the second factor given over 10 minutes ago): refused.
    sys.clock.advance(10 * 60_000 + 1);
    const bare = await call("POST", "/api/account/passkeys/registration/options", cookie, {});
    assert.equal(bare.status, 400);
    assert.equal(bare.body.errors[0].code, "currentPassword.required");
    const wrong = await call("POST", "/api/account/passkeys/registration/options", cookie, {
      currentPassword: "not-it",
    });
    assert.equal(wrong.body.errors[0].code, "currentPassword.wrong");

    const options = await call("POST", "/api/account/passkeys/registration/options", cookie, {
      currentPassword: ali.password,
    });
    assert.equal(options.status, 200);
    assert.equal(options.body.rp.id, "localhost");
    assert.equal(options.body.user.name, ali.nationalId);
    assert.equal(options.body.authenticatorSelection.residentKey, "required");
    assert.equal(options.body.authenticatorSelection.userVerification, "required");
    assert.deepEqual(options.body.excludeCredentials, []);

    const device = authenticator();
    const response = device.create(options.body);
    const created = await call("POST", "/api/account/passkeys/registration", cookie, {
      response,
      name: "  گوشی   من ",
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.name, "گوشی من");
    // The same answer again: its challenge is spent.
    const again = await call("POST", "/api/account/passkeys/registration", cookie, { response });
    assert.equal(again.status, 400);
    assert.equal(again.body.code, "passkeys.challengeExpired");

    const list = await call("GET", "/api/account/passkeys", cookie);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.map((p: Record<string, unknown>) => [p.id, p.name, p.deviceType, p.backedUp, p.lastUsedAt]),
      [[created.body.id, "گوشی من", "singleDevice", false, null]],
    );
    // A second enrolment's options exclude the passkey the person has.
    const second = await call("POST", "/api/account/passkeys/registration/options", cookie, {
      currentPassword: ali.password,
    });
    assert.deepEqual(
      second.body.excludeCredentials.map((c: { id: string }) => c.id),
      [response.id],
    );
    assert.deepEqual(await eventTypes(), ["login.succeeded", "passkey.added"]);
    assert.match((await notices(sys, ali.mobile)).join("\n"), /یک کلید عبور به حساب کاربری شما افزوده شد/);
  });

  test("refuses an authenticator that did not verify the person, a foreign origin, another's challenge", async () => {
    await createAccount(sys, ali);
    const aliId = (await sys.db.selectFrom("accounts").select("id").executeTakeFirstOrThrow()).id;
    await createAccount(sys, zahra);
    const cookie = await loginCookie(sys, ali);
    const zahraCookie = await loginCookie(sys, zahra);
    const device = authenticator();
    const options = async (c: string, person = ali) =>
      (
        await call("POST", "/api/account/passkeys/registration/options", c, {
          currentPassword: person.password,
        })
      ).body;
    for (const gesture of [{ userVerified: false }, { origin: "https://evil.example" }]) {
      const res = await call("POST", "/api/account/passkeys/registration", cookie, {
        response: device.create(await options(cookie), gesture),
      });
      assert.equal(res.status, 400, JSON.stringify(gesture));
      assert.equal(res.body.code, "passkeys.invalid");
    }
    // Zahra's options answered and posted in Ali's session: not Ali's challenge.
    const res = await call("POST", "/api/account/passkeys/registration", cookie, {
      response: device.create(await options(zahraCookie, zahra)),
    });
    assert.equal(res.body.code, "passkeys.challengeExpired");
    assert.equal(
      (await sys.db.selectFrom("passkeys").select("id").where("owner_id", "=", aliId).execute()).length,
      0,
    );
    assert.equal((await call("GET", "/api/account/passkeys")).status, 401);
  });

  test("an expired challenge is refused", async () => {
    await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const options = await call("POST", "/api/account/passkeys/registration/options", cookie, {
      currentPassword: ali.password,
    });
    sys.clock.advance(5 * 60_000 + 1);
    const res = await call("POST", "/api/account/passkeys/registration", cookie, {
      response: authenticator().create(options.body),
    });
    assert.equal(res.body.code, "passkeys.challengeExpired");
  });
});

describe("sign-in with a passkey", () => {
  test("without a password: both factors, level 3, no pwd in the amr; the challenge is single use", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    const passkeyId = await enrol(await loginCookie(sys, ali), device);
    await sys.db.deleteFrom("sessions").execute();
    // Meanwhile a stranger who knows the password asked for an account reset: this sign-in cancels it.
    assert.equal((await call("POST", "/api/login/account-reset", await halfSession())).status, 202);

    const options = await call("POST", "/api/passkeys/authentication/options");
    assert.equal(options.status, 200);
    assert.deepEqual(options.body.allowCredentials, []);
    assert.equal(options.body.userVerification, "required");
    assert.equal(options.body.rpId, "localhost");
    const response = device.get(options.body);
    const res = await call("POST", "/api/passkeys/authentication", undefined, { response });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { next: "done" });
    const session = await sessionOf(res.cookie!);
    assert.equal(session.stage, "full");
    assert.deepEqual(session.amr, ["hwk", "mfa", "user"]);
    assert.equal(session.aal, 3);
    assert.equal(session.auth_time?.getTime(), sys.clock.now().getTime());
    assert.equal((await call("GET", "/api/me", res.cookie)).status, 200);

    // The same assertion again (a replay): its challenge is spent.
    const replay = await call("POST", "/api/passkeys/authentication", undefined, { response });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, "passkeys.challengeExpired");

    const row = await sys.db
      .selectFrom("passkeys")
      .selectAll()
      .where("id", "=", passkeyId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(row.sign_count), 1);
    assert.ok(row.last_used_at);
    assert.ok((await eventTypes()).includes("login.passkey"));
    const [reset] = await sys.db.selectFrom("account_resets").select("status").execute();
    assert.equal(reset?.status, "cancelled");
  });

  test("«این مرورگر را به خاطر بسپار» after a passkey: the next password sign-in needs no second factor", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    const options = await call("POST", "/api/passkeys/authentication/options");
    const res = await sys.app.inject({
      method: "POST",
      url: "/api/passkeys/authentication",
      payload: { response: device.get(options.body), rememberBrowser: true },
    });
    assert.equal(res.statusCode, 200);
    const remembered = res.cookies.find((c) => c.name === "hoviat_device");
    assert.ok(remembered?.httpOnly);
    const login = await sys.app.inject({
      method: "POST",
      url: "/api/login",
      headers: { cookie: `hoviat_device=${remembered.value}` },
      payload: { nationalId: ali.nationalId, password: ali.password },
    });
    assert.equal(login.json().next, "done");
    // Without the tick, no cookie.
    const plain = await signIn(device);
    assert.equal(plain.status, 200);
    assert.equal((await sys.db.selectFrom("remembered_browsers").select("id").execute()).length, 1);
  });

  test("a synced passkey is swk", async () => {
    await createAccount(sys, ali);
    const device = authenticator({ synced: true });
    await enrol(await loginCookie(sys, ali), device);
    const res = await signIn(device);
    assert.equal(res.status, 200);
    assert.deepEqual((await sessionOf(res.cookie!)).amr, ["mfa", "swk", "user"]);
    const list = await call("GET", "/api/account/passkeys", res.cookie);
    assert.equal(list.body[0].backedUp, true);
    assert.equal(list.body[0].deviceType, "multiDevice");
  });

  test("completes a half session: a new token, amr merged with the password, level 3", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    const half = await halfSession();
    assert.equal((await call("GET", "/api/account/passkeys", half)).status, 401);
    const options = await call("POST", "/api/passkeys/authentication/options", half);
    // The half session's account: its passkeys are named.
    assert.deepEqual(
      options.body.allowCredentials.map((c: { id: string }) => c.id),
      [device.credentials.map((c) => Buffer.from(c.id).toString("base64url"))[0]],
    );
    const res = await call("POST", "/api/passkeys/authentication", half, {
      response: device.get(options.body),
    });
    assert.equal(res.status, 200);
    assert.notEqual(res.cookie, half);
    const session = await sessionOf(res.cookie!);
    assert.deepEqual([session.stage, session.amr, session.aal], ["full", ["hwk", "mfa", "pwd", "user"], 3]);
    assert.ok((await sessionOf(half)).revoked_at, "the half session's cookie is worth nothing now");
    assert.equal((await call("GET", "/api/me", half)).status, 401);
    assert.equal((await call("GET", "/api/me", res.cookie)).status, 200);
  });

  test("steps a full session of the same account up", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    const full = await loginCookie(sys, ali);
    assert.deepEqual((await sessionOf(full)).amr, ["mfa", "pwd", "sms"]);
    sys.clock.advance(60_000);
    const res = await signIn(device, full);
    assert.equal(res.status, 200);
    const session = await sessionOf(res.cookie!);
    assert.deepEqual(
      [session.stage, session.amr, session.aal],
      ["full", ["hwk", "mfa", "pwd", "sms", "user"], 3],
    );
    assert.equal(session.auth_time?.getTime(), sys.clock.now().getTime());
    assert.equal((await call("GET", "/api/me", full)).status, 401);
  });

  test("a passkey of another account than the session's is refused", async () => {
    await createAccount(sys, ali);
    await createAccount(sys, zahra);
    const aliDevice = authenticator();
    await enrol(await loginCookie(sys, ali), aliDevice);
    const zahraHalf = await halfSession(zahra);
    // Zahra's half session: options name none of Ali's passkeys; an attacker answers with Ali's anyway.
    const options = await call("POST", "/api/passkeys/authentication/options", zahraHalf);
    assert.deepEqual(options.body.allowCredentials, []);
    const credentialId = Buffer.from(aliDevice.credentials[0]!.id).toString("base64url");
    const res = await call("POST", "/api/passkeys/authentication", zahraHalf, {
      response: aliDevice.get(options.body, { credentialId }),
    });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "passkeys.otherAccount");
    assert.equal(res.cookie, undefined);
    // Options asked without a session but answered inside Zahra's: refused too.
    const open = await call("POST", "/api/passkeys/authentication/options");
    const late = await call("POST", "/api/passkeys/authentication", zahraHalf, {
      response: aliDevice.get(open.body),
    });
    assert.equal(late.status, 403);
    assert.equal((await sessionOf(zahraHalf)).stage, "second_factor");
  });

  test("refuses an assertion without user verification, from another origin, or of an unknown passkey", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    // Another port of localhost is the same site to a browser (a loopback PUBLIC_URL only).
    assert.equal((await signIn(device, undefined, { origin: "http://localhost:9" })).status, 200);
    const lookalikes = ["https://evil.example", "http://localhost.evil.example", "https://localhost"];
    for (const gesture of [{ userVerified: false }, ...lookalikes.map((origin) => ({ origin }))]) {
      const res = await signIn(device, undefined, gesture);
      assert.equal(res.status, 401, JSON.stringify(gesture));
      assert.equal(res.body.code, "passkeys.refused");
    }
    const stranger = authenticator();
    stranger.create({ challenge: "x", rp: { id: "localhost", name: "x" }, user: { id: "AAAA", name: "x" } });
    const res = await signIn(stranger);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, "passkeys.refused");
  });

  test("a cloned authenticator (counter going back) is refused and recorded", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    assert.equal((await signIn(device)).status, 200);
    assert.equal((await signIn(device)).status, 200);
    const clone = await signIn(device, undefined, { counter: 1 });
    assert.equal(clone.status, 401);
    assert.ok((await eventTypes()).includes("passkey.cloned"));
    // An authenticator that keeps no counter (always 0) signs in again and again.
    const quiet = authenticator({ noCounter: true });
    await sys.db.deleteFrom("passkeys").execute();
    await enrol(await loginCookie(sys, ali), quiet);
    assert.equal((await signIn(quiet)).status, 200);
    assert.equal((await signIn(quiet)).status, 200);
  });

  test("an account that is not active is told so, as at the password sign-in", async () => {
    const id = await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    await sys.db.updateTable("accounts").set({ status: "locked" }).where("id", "=", id).execute();
    const res = await signIn(device);
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "accountNotActive.locked");
    assert.equal(res.cookie, undefined);
  });

  test("parallel answers with one assertion: exactly one session", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    await sys.db.deleteFrom("sessions").execute();
    const options = await call("POST", "/api/passkeys/authentication/options");
    const response = device.get(options.body);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call("POST", "/api/passkeys/authentication", undefined, { response })),
    );
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.equal((await sys.db.selectFrom("sessions").select("id_hash").execute()).length, 1);
  });

  test("failures from one address raise a challenge, not a free oracle", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    await enrol(await loginCookie(sys, ali), device);
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++)
      statuses.push((await signIn(device, undefined, { userVerified: false })).status);
    assert.equal(statuses.filter((s) => s === 401).length, 50);
    assert.equal(statuses.at(-1), 429);
    const res = await signIn(device);
    assert.equal(res.status, 429);
    assert.equal(res.body.code, "challenge_required");
  });
});

describe("options", () => {
  test("a flood of options from one address asks for a challenge (each is a stored row)", async () => {
    const statuses = [];
    for (let i = 0; i < 301; i++)
      statuses.push((await call("POST", "/api/passkeys/authentication/options")).status);
    assert.equal(statuses.filter((s) => s === 200).length, 300);
    assert.equal(statuses.at(-1), 429);
  });
});

describe("rename and removal", () => {
  test("renames its own passkey only; removal needs the password and is announced", async () => {
    const aliId = await createAccount(sys, ali);
    await createAccount(sys, zahra);
    const cookie = await loginCookie(sys, ali);
    const device = authenticator();
    const id = await enrol(cookie, device);
    const zahraCookie = await loginCookie(sys, zahra);

    assert.equal(
      (await call("PATCH", `/api/account/passkeys/${id}`, cookie, { name: "کلید کار" })).status,
      204,
    );
    assert.equal((await call("GET", "/api/account/passkeys", cookie)).body[0].name, "کلید کار");
    assert.equal((await call("PATCH", `/api/account/passkeys/${id}`, cookie, { name: "  " })).status, 400);
    // Someone else's passkey is not found, for renaming or removal.
    assert.equal(
      (await call("PATCH", `/api/account/passkeys/${id}`, zahraCookie, { name: "x" })).status,
      404,
    );
    assert.equal(
      (await call("DELETE", `/api/account/passkeys/${id}`, zahraCookie, { currentPassword: zahra.password }))
        .status,
      404,
    );
    // The second factor of this sign-in was given over 10 minutes ago: the password is asked.
    sys.clock.advance(10 * 60_000 + 1);
    assert.equal((await call("DELETE", `/api/account/passkeys/${id}`, cookie, {})).status, 400);
    assert.equal((await call("DELETE", `/api/account/passkeys/${id}`, cookie)).status, 400);
    const removed = await call("DELETE", `/api/account/passkeys/${id}`, cookie, {
      currentPassword: ali.password,
    });
    assert.equal(removed.status, 204);
    assert.deepEqual((await call("GET", "/api/account/passkeys", cookie)).body, []);
    assert.deepEqual(
      (await eventTypes()).filter((t) => t.startsWith("passkey.")),
      ["passkey.added", "passkey.removed"],
    );
    const texts = await notices(sys, ali.mobile, 2);
    assert.equal(texts.length, 2);
    assert.match(texts[0]!, /یک کلید عبور از حساب کاربری شما حذف شد/);
    // The removed passkey signs no one in.
    const res = await signIn(device);
    assert.equal(res.status, 401);
    assert.equal(aliId.length, 36);
  });

  test("a fresh passkey sign-in stands in for the password, for ten minutes", async () => {
    await createAccount(sys, ali);
    const device = authenticator();
    const id = await enrol(await loginCookie(sys, ali), device);
    const signedIn = await signIn(device);
    const second = await call("POST", "/api/account/passkeys/registration/options", signedIn.cookie, {});
    assert.equal(second.status, 200);
    sys.clock.advance(10 * 60_000 + 1);
    assert.equal((await call("DELETE", `/api/account/passkeys/${id}`, signedIn.cookie, {})).status, 400);
  });

  test("the last factor that stands in for a switched-off SMS cannot be removed", async () => {
    const id = await createAccount(sys, ali);
    const cookie = await loginCookie(sys, ali);
    const passkey = await enrol(cookie, authenticator());
    await sys.db.updateTable("accounts").set({ sms_second_factor: false }).where("id", "=", id).execute();
    const res = await call("DELETE", `/api/account/passkeys/${passkey}`, cookie, {
      currentPassword: ali.password,
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.code, "passkeys.lastFactor");
    assert.equal((await call("GET", "/api/account/passkeys", cookie)).body.length, 1);
  });
});
