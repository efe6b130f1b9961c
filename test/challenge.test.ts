// The challenge contract (R-ABUSE), as outside clients use it: a shared address past a threshold gets
// `429 {code: "challenge_required", challenge}` (altcha-lib's createChallenge, verbatim), and repeats
// the request with `X-Altcha: base64(JSON {challenge, solution})`. A solution works once, for five
// minutes, for its own scope; the work grows with the address's volume.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { nationalIdCheckDigit } from "../src/domain/national-id.ts";
import { REGISTRATIONS_PER_IP_PER_HOUR } from "../src/flows/registration/routes.ts";
import { TRACKING_PER_IP_PER_MINUTE } from "../src/flows/tracking/routes.ts";
import { resetTables } from "./helpers/accounts.ts";
import { answer } from "./helpers/challenge.ts";
import { ali } from "./helpers/people.ts";
import { type Call, proveMobile } from "./helpers/registration.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetTables(sys);
});

const callFrom =
  (remoteAddress: string): Call =>
  async (method, url, payload) => {
    const res = await sys.app.inject({
      method: method as "GET",
      url,
      remoteAddress,
      ...(payload ? { payload } : {}),
    });
    return { status: res.statusCode, json: res.body ? res.json() : undefined };
  };

const track = (headers: Record<string, string> = {}, remoteAddress = "10.20.30.40") =>
  sys.app.inject({
    method: "POST",
    url: "/api/registrations/tracking",
    payload: { nationalId: ali.nationalId, mobile: ali.mobile },
    headers,
    remoteAddress,
  });

async function trackUntilAsked(remoteAddress = "10.20.30.40") {
  for (let i = 0; i < TRACKING_PER_IP_PER_MINUTE; i++)
    assert.equal((await track({}, remoteAddress)).statusCode, 200);
  return track({}, remoteAddress);
}

describe("challenges instead of refusals", () => {
  test("the 21st registration from one address in an hour gets a challenge, and with it a 202", async () => {
    // Twenty-one different people behind one carrier-grade NAT address, each with the proof of their
    // own mobile (asked for from their own phones, elsewhere: step 1 has a guard of its own).
    const register = async (n: number, headers: Record<string, string> = {}) => {
      const nine = String(100_000_000 + n);
      const person = {
        ...ali,
        nationalId: `${nine}${nationalIdCheckDigit(nine)}`,
        mobile: `0912${1000000 + n}`,
      };
      const mobileProof = await proveMobile(
        callFrom(`198.51.100.${n % 250}`),
        person.nationalId,
        person.mobile,
      );
      return sys.app.inject({
        method: "POST",
        url: "/api/registrations",
        payload: { ...person, mobileProof },
        headers,
        remoteAddress: "100.64.0.1",
      });
    };
    for (let i = 0; i < REGISTRATIONS_PER_IP_PER_HOUR; i++) assert.equal((await register(i)).statusCode, 202);
    const asked = await register(99);
    // Before: a flat 429 for the rest of the hour, for everyone behind that carrier-grade NAT.
    assert.equal(asked.statusCode, 429);
    assert.equal(asked.headers["content-type"], "application/problem+json; charset=utf-8");
    const body = asked.json();
    assert.equal(body.code, "challenge_required");
    assert.deepEqual(Object.keys(body.challenge).sort(), ["parameters", "signature"]);
    const p = body.challenge.parameters;
    assert.equal(p.algorithm, "SHA-256");
    assert.ok(p.expiresAt * 1000 <= sys.clock.now().getTime() + 5 * 60_000, "expires within five minutes");
    assert.equal((await register(99, { "x-altcha": await answer(asked) })).statusCode, 202);
  });

  test("a solution works once: a replay, even in parallel, is asked again", async () => {
    const asked = await trackUntilAsked();
    const header = { "x-altcha": await answer(asked) };
    const burst = await Promise.all(Array.from({ length: 10 }, () => track(header)));
    assert.deepEqual(
      burst.map((r) => r.statusCode).sort(),
      [200, ...Array(9).fill(429)],
      "exactly one of ten uses of one solution is served",
    );
    assert.equal((await track(header)).json().code, "challenge_required");
  });

  test("a solution expires after five minutes", async () => {
    const asked = await trackUntilAsked();
    const header = { "x-altcha": await answer(asked) };
    sys.clock.advance(5 * 60_000 + 1);
    // A new window has begun by then: push the address past the threshold again.
    for (let i = 0; i < TRACKING_PER_IP_PER_MINUTE; i++) await track();
    assert.equal((await track(header)).json().code, "challenge_required");
  });

  test("a solution is good only for the scope it was issued for, and a forged one for none", async () => {
    const asked = await trackUntilAsked();
    const header = await answer(asked);
    const register = await sys.app.inject({
      method: "POST",
      url: "/api/registrations",
      payload: {},
      headers: { "x-altcha": header },
      remoteAddress: "10.20.30.40",
    });
    assert.equal(register.statusCode, 400, "no challenge needed there: the header is simply not used");
    const payload = JSON.parse(Buffer.from(header, "base64").toString());
    payload.challenge.parameters.data.level = 8;
    const forged = { "x-altcha": Buffer.from(JSON.stringify(payload)).toString("base64") };
    assert.equal((await track(forged)).json().code, "challenge_required");
    assert.equal((await track({ "x-altcha": "not base64 json" })).json().code, "challenge_required");
  });

  test("the work grows with the address's volume; another address is not affected", async () => {
    const asked = await trackUntilAsked();
    assert.equal(asked.json().challenge.parameters.data.level, 1);
    // 30 more served (solved) requests, counted straight into the store to save 30 solutions' time.
    for (let i = 0; i < TRACKING_PER_IP_PER_MINUTE; i++) {
      await sys.throttles.hit("tracking:ip:10.20.30.40", 60_000, sys.clock.now());
    }
    assert.equal((await track()).json().challenge.parameters.data.level, 2);
    assert.equal((await track({}, "10.20.30.41")).statusCode, 200);
  });
});

describe("CHALLENGE_DELAY_MS", () => {
  let slow: TestSystem;
  before(async () => {
    slow = await startTestSystem({ CHALLENGE_DELAY_MS: "300" });
  });
  after(async () => {
    await slow.stop();
  });

  test("an answer that asks for a challenge waits; the others, and other addresses, do not", async () => {
    const trackFrom = async (remoteAddress: string) => {
      const started = performance.now();
      const res = await slow.app.inject({
        method: "POST",
        url: "/api/registrations/tracking",
        payload: { nationalId: ali.nationalId, mobile: ali.mobile },
        remoteAddress,
      });
      return { status: res.statusCode, ms: performance.now() - started };
    };
    for (let i = 0; i < TRACKING_PER_IP_PER_MINUTE; i++) {
      const served = await trackFrom("10.20.30.40");
      assert.equal(served.status, 200);
      assert.ok(served.ms < 300, `a served request took ${served.ms} ms`);
    }
    // Five refusals at once wait side by side, and a person at another address is served meanwhile.
    const started = performance.now();
    const [other, ...asked] = await Promise.all([
      trackFrom("10.20.30.41"),
      ...Array.from({ length: 5 }, () => trackFrom("10.20.30.40")),
    ]);
    assert.equal(other!.status, 200);
    assert.ok(other!.ms < 300, `the other address waited ${other!.ms} ms`);
    for (const a of asked) {
      assert.equal(a.status, 429);
      assert.ok(a.ms >= 290, `a challenge came after ${a.ms} ms`);
    }
    assert.ok(performance.now() - started < 1_200, "the waits run side by side, not one after another");
  });
});
