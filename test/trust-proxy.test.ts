// TRUST_PROXY believes only the hops our own proxies wrote. A client that writes X-Forwarded-For
// itself must not choose the address seen by the limits, the sessions and the audit trail.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { ConfigError, loadConfig } from "../src/platform/config.ts";
import { createHttp } from "../src/platform/http.ts";
import { parseTrustProxy } from "../src/platform/trust-proxy.ts";
import { createAccount, loginCookie } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { createMember, passwordStep } from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

describe("TRUST_PROXY settings", () => {
  const load = (value: string) => loadConfig({ NODE_ENV: "test", TRUST_PROXY: value }).trustProxy;

  test("false, a hop count, or the proxies' addresses and CIDRs", () => {
    assert.equal(load("false"), false);
    assert.equal(load(""), false);
    assert.equal(load("1"), 1);
    assert.deepEqual(load("10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback"), [
      "10.0.0.0/8",
      "127.0.0.1",
      "::1",
      "fd00::/8",
      "loopback",
    ]);
  });

  test("`true` (the whole client-written chain) and nonsense are refused with a clear message", () => {
    assert.throws(
      () => load("true"),
      (e: Error) => e instanceof ConfigError && /number of proxies/.test(e.message),
    );
    assert.throws(() => load("10.0.0.0/33"), ConfigError);
    assert.throws(() => load("proxy.example"), ConfigError);
  });
});

describe("the client address each setting yields, for a spoofed X-Forwarded-For", () => {
  test("the address the last trusted proxy saw; never an entry the client wrote itself", async () => {
    const ipFor = async (setting: string) => {
      const app = createHttp(pino({ level: "silent" }), { trustProxy: parseTrustProxy(setting) });
      app.get("/ip", async (request) => request.ip);
      const res = await app.inject({
        url: "/ip",
        remoteAddress: "10.0.0.2",
        headers: { "x-forwarded-for": "6.6.6.6, 198.51.100.23" },
      });
      await app.close();
      return res.body;
    };
    assert.equal(await ipFor("false"), "10.0.0.2");
    assert.equal(await ipFor("1"), "198.51.100.23");
    assert.equal(await ipFor("10.0.0.0/8"), "198.51.100.23");
    assert.equal(await ipFor("127.0.0.1"), "10.0.0.2", "a peer that is not a listed proxy is the client");
    assert.equal(await ipFor("10.0.0.2,198.51.100.23"), "6.6.6.6", "two proxies: the second one saw it");
  });
});

describe("behind one trusted proxy (TRUST_PROXY=1), with a spoofed X-Forwarded-For", () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ TRUST_PROXY: "1" });
  });
  after(async () => {
    await sys?.stop();
  });
  // The client wrote "6.6.6.N"; our proxy (the socket, 127.0.0.1) appended the address it saw.
  const seenByProxy = "198.51.100.23";
  const forwarded = (n: number) => ({ "x-forwarded-for": `6.6.6.${n}, ${seenByProxy}` });

  test("the limits count the address the proxy saw: rotating spoofed entries does not escape them", async () => {
    const answers = [];
    for (let i = 0; i < 52; i++) {
      const res = await sys.app.inject({
        method: "POST",
        url: "/api/registrations/tracking",
        payload: { nationalId: ali.nationalId, mobile: ali.mobile },
        headers: forwarded(i),
      });
      answers.push(res.statusCode === 429 ? res.json().code : res.statusCode);
    }
    // Before (TRUST_PROXY=true): each request counted under its own spoofed address, none was asked.
    assert.equal(answers.filter((a) => a === "challenge_required").length, 52 - 30);
  });

  test("sessions and the audit trail record the address the proxy saw", async () => {
    await createAccount(sys, ali);
    const res = await sys.app.inject({
      method: "POST",
      url: "/api/login",
      payload: { nationalId: ali.nationalId, password: ali.password },
      headers: forwarded(1),
    });
    assert.equal(res.statusCode, 200);
    const session = await sys.db.selectFrom("sessions").select("ip").executeTakeFirstOrThrow();
    assert.equal(session.ip, seenByProxy);
    assert.ok(await loginCookie(sys, ali));
    const member = await createMember(sys, "admin9", "admin");
    await sys.app.inject({
      method: "POST",
      url: "/api/staff/login",
      payload: { username: "admin9", password: "wrong" },
      headers: forwarded(2),
    });
    await passwordStep(sys, member);
    const audit = await sys.db
      .selectFrom("audit_log")
      .select("ip")
      .where("action", "=", "staff.login")
      .execute();
    assert.deepEqual(
      audit.map((a) => a.ip),
      [seenByProxy],
    );
  });
});
