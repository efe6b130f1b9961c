// The holder's security events: failed sign-ins summarised an hour at a time (a stranger's guesses
// add no rows beyond one an hour), ended sessions, and the device of each, read from its user agent.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { FAILURE_WINDOW_MS } from "../src/flows/account/security-events.ts";
import { LOGIN_ID_POLICY } from "../src/flows/login/service.ts";
import { setCitizenLock } from "../src/flows/staff/admin.ts";
import { createAccount, resetTables } from "./helpers/accounts.ts";
import { ali, mohammadreza } from "./helpers/people.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

const ANDROID_CHROME =
  "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const IPHONE_SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0";

let sys: TestSystem;
// The holder did not turn two-step sign-in on: the password alone opens a full session, so that
// a test signs in from several browsers without meeting the SMS caps.
before(async () => {
  sys = await startTestSystem({ SECOND_FACTOR: "optional" });
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetTables(sys);
});

type Event = {
  type: string;
  at: string;
  ip: string | null;
  device: { browser: string | null; os: string | null } | null;
  count: number | null;
};

const login = (system: TestSystem, nationalId: string, password: string, userAgent = WINDOWS_FIREFOX) =>
  system.app.inject({
    method: "POST",
    url: "/api/login",
    payload: { nationalId, password },
    headers: { "user-agent": userAgent },
  });

/** A full session from a browser of `userAgent`, a second later than the step before. */
async function signIn(userAgent: string) {
  sys.clock.advance(1000);
  const res = await login(sys, ali.nationalId, ali.password, userAgent);
  assert.deepEqual([res.statusCode, res.json().next], [200, "done"]);
  return `hoviat_session=${res.cookies.find((c) => c.name === "hoviat_session")!.value}`;
}

async function call(method: "GET" | "POST" | "DELETE", url: string, cookie: string, payload?: object) {
  const headers = { cookie, "user-agent": WINDOWS_FIREFOX };
  const res = await sys.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.body ? res.json() : undefined };
}

const events = async (cookie: string) =>
  ((await call("GET", "/api/account/security-events", cookie)).body as Event[]).filter(
    (e) => e.type !== "login.succeeded",
  );

/** The summary rows of failed sign-ins, once their total reached `total` (written after the answer). */
const failureRows = (total: number) =>
  eventually(async () => {
    const rows = await sys.db.selectFrom("sign_in_failures").selectAll().execute();
    return rows.reduce((n, r) => n + r.count, 0) >= total ? rows : undefined;
  });

describe("failed sign-ins", () => {
  test("40 parallel wrong passwords: one summarised row; the guesser's answers are an unknown ID's", async () => {
    await createAccount(sys, ali);
    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(sys, ali.nationalId, `Wrong${i}Guess2026`)),
    );
    const judged = guesses.filter((r) => r.statusCode === 401).length;
    // Past the allowance each guess needs a challenge first: it compares no password, counts nothing.
    assert.equal(judged, LOGIN_ID_POLICY.allowance);
    assert.equal(guesses.filter((r) => r.statusCode === 429).length, 40 - judged);
    const rows = await failureRows(judged);
    assert.equal(rows.length, 1, "one row for the whole burst");
    assert.equal(rows[0]!.count, judged);

    // What the guesser sees is what an ID without an account gets; that ID writes nothing.
    const unknown = await login(sys, mohammadreza.nationalId, "Wrong0Guess2026");
    const known = guesses.find((r) => r.statusCode === 401)!;
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(unknown.json(), known.json());
    assert.equal((await sys.db.selectFrom("sign_in_failures").selectAll().execute()).length, 1);
  });

  test("shown to the holder as one event per hour with its count, the device and the address", async () => {
    await createAccount(sys, ali);
    for (let i = 0; i < 3; i++)
      assert.equal((await login(sys, ali.nationalId, "Wrong1Guess2026")).statusCode, 401);
    await failureRows(3);
    sys.clock.advance(FAILURE_WINDOW_MS);
    assert.equal((await login(sys, ali.nationalId, "Wrong2Guess2026", ANDROID_CHROME)).statusCode, 401);
    await failureRows(4);
    const cookie = await signIn(IPHONE_SAFARI);
    const failed = (await events(cookie)).filter((e) => e.type === "login.failed");
    assert.deepEqual(
      failed.map((e) => [e.count, e.device]),
      [
        [1, { browser: "chrome", os: "android" }],
        [3, { browser: "firefox", os: "windows" }],
      ],
      "newest first, one per hour",
    );
    assert.equal(failed[0]!.ip, "127.0.0.1");
  });
});

describe("the records of a burst", () => {
  let open: TestSystem;
  before(async () => {
    open = await startTestSystem({ RATE_LIMITS: "off" });
    await createAccount(open, ali);
  });
  after(async () => {
    await open.stop();
  });

  test("without the challenge (RATE_LIMITS=off) 40 parallel guesses are 40 counted in one row", async () => {
    const guesses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => login(open, ali.nationalId, `Wrong${i}Guess2026`)),
    );
    assert.ok(guesses.every((r) => r.statusCode === 401));
    const rows = await eventually(async () => {
      const rows = await open.db.selectFrom("sign_in_failures").selectAll().execute();
      return rows[0]?.count === 40 ? rows : undefined;
    });
    assert.equal(rows.length, 1);
  });
});

describe("ended sessions", () => {
  test("a logout, an idle end (said by the page, or found by the server) and a revocation, once each", async () => {
    await createAccount(sys, ali);
    const phone = await signIn(ANDROID_CHROME);
    sys.clock.advance(1000);
    assert.equal((await call("POST", "/api/logout", phone)).status, 204);
    assert.equal((await call("POST", "/api/logout", phone)).status, 204);

    const idle = await signIn(IPHONE_SAFARI);
    sys.clock.advance(1000);
    assert.equal((await call("POST", "/api/logout", idle, { reason: "idle" })).status, 204);

    const left = await signIn(IPHONE_SAFARI);
    const signedInAt = sys.clock.now();
    sys.clock.advance(31 * 60_000);
    assert.equal((await call("GET", "/api/me", left)).status, 401);
    assert.equal((await call("GET", "/api/me", left)).status, 401);

    const laptop = await signIn(WINDOWS_FIREFOX);
    const tablet = await signIn(ANDROID_CHROME);
    sys.clock.advance(1000);
    const sessions = (await call("GET", "/api/sessions", laptop)).body as {
      id: string;
      current: boolean;
      device: unknown;
    }[];
    assert.deepEqual(sessions.find((s) => s.current)!.device, { browser: "firefox", os: "windows" });
    const other = sessions.find((s) => !s.current)!;
    assert.deepEqual(other.device, { browser: "chrome", os: "android" });
    assert.equal((await call("DELETE", `/api/sessions/${other.id}`, laptop)).status, 204);
    assert.equal((await call("GET", "/api/me", tablet)).status, 401);

    const list = await events(laptop);
    assert.deepEqual(
      list.map((e) => [e.type, e.device?.browser]),
      [
        ["session.revoked", "chrome"],
        ["session.idleEnded", "safari"],
        ["session.idleEnded", "safari"],
        ["session.loggedOut", "chrome"],
      ],
    );
    // Ended when it went idle, not when the server noticed.
    assert.equal(list[1]!.at, new Date(signedInAt.getTime() + 30 * 60_000).toISOString());
  });

  test("a password change ends the other sessions: one event with their count", async () => {
    await createAccount(sys, ali);
    await signIn(ANDROID_CHROME);
    await signIn(IPHONE_SAFARI);
    const here = await signIn(WINDOWS_FIREFOX);
    const changed = await call("POST", "/api/account/password", here, {
      currentPassword: ali.password,
      password: "Tazeh2027Ramz",
      passwordConfirmation: "Tazeh2027Ramz",
    });
    assert.equal(changed.status, 204);
    const ended = (await events(here)).filter((e) => e.type.startsWith("sessions."));
    assert.deepEqual(
      ended.map((e) => [e.type, e.count, e.device]),
      [["sessions.endedByPasswordChange", 2, { browser: "firefox", os: "windows" }]],
    );
  });

  test("a lock by staff ends every session: one event with the count, the branch's and not the operator's device", async () => {
    await createAccount(sys, ali);
    await signIn(ANDROID_CHROME);
    await signIn(IPHONE_SAFARI);
    const operator = { ip: "10.0.0.7", userAgent: WINDOWS_FIREFOX, staff: { branchId: null } };
    const lock = (locked: boolean) =>
      setCitizenLock(
        sys.db,
        sys.jobs,
        null,
        ali.nationalId,
        locked,
        { reason: "آزمایش قفل" },
        operator,
        sys.clock.now(),
      );
    await lock(true);
    sys.clock.advance(1000);
    await lock(false);
    const cookie = await signIn(WINDOWS_FIREFOX);
    const ended = (await events(cookie)).find((e) => e.type === "sessions.endedByStaff") as Event & {
      byStaff: boolean;
    };
    assert.deepEqual([ended.count, ended.ip, ended.device, ended.byStaff], [2, null, null, true]);
  });
});
