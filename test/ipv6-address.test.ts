// R-ABUSE over IPv6: one client is given a whole /64, so every per-address counter counts its /64 as
// one address (an IPv4-mapped address as its IPv4 address), and the /64s of one /48 together against a
// threshold ten times higher. Before, 60 addresses of one /64 were 60 clients and never met a challenge.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { nationalIdCheckDigit } from "../src/domain/national-id.ts";
import { LOGIN_ADDRESS_RULE } from "../src/flows/login/service.ts";
import { MOBILE_VERIFICATION_ADDRESS_RULE } from "../src/flows/registration/routes.ts";
import { SPREAD_MULTIPLE } from "../src/platform/challenge.ts";
import { clientAddress } from "../src/platform/client-address.ts";
import { loadConfig } from "../src/platform/config.ts";
import { resetTables } from "./helpers/accounts.ts";
import { answer } from "./helpers/challenge.ts";
import { clearThrottles, startTestSystem, type TestSystem } from "./helpers/system.ts";

describe("the address key of a client", () => {
  test("IPv4 as it is, IPv4-mapped as IPv4, IPv6 by its /64 with its /48 as the spread key", () => {
    assert.deepEqual(clientAddress("198.51.100.7"), { key: "198.51.100.7", spread: null });
    assert.deepEqual(clientAddress("::ffff:198.51.100.7"), { key: "198.51.100.7", spread: null });
    assert.deepEqual(clientAddress("::FFFF:c633:6407"), { key: "198.51.100.7", spread: null });
    const a = clientAddress("2001:db8:aa:bb:1:2:3:4");
    assert.deepEqual(a, { key: "2001:db8:aa:bb::/64", spread: "2001:db8:aa::/48" });
    assert.deepEqual(clientAddress("2001:db8:aa:bb::9"), a, "another address of the same /64");
    assert.deepEqual(clientAddress("2001:0DB8:00aa:00bb:ffff::%eth0"), a);
    assert.notEqual(clientAddress("2001:db8:aa:bc::1").key, a.key);
    assert.deepEqual(clientAddress("2001:db8:aa:bb:1:2:3:4", { subnet: 56, spread: 40 }), {
      key: "2001:db8:aa:0::/56",
      spread: "2001:db8:0::/40",
    });
    assert.deepEqual(clientAddress("::1"), { key: "0:0:0:0::/64", spread: "0:0:0::/48" });
  });

  test("IPV6_SUBNET_PREFIX and IPV6_SPREAD_PREFIX: 64 and 48 by default, the spread never the longer", () => {
    const config = loadConfig({});
    assert.deepEqual([config.ipv6SubnetPrefix, config.ipv6SpreadPrefix], [64, 48]);
    assert.throws(
      () => loadConfig({ IPV6_SUBNET_PREFIX: "48", IPV6_SPREAD_PREFIX: "56" }),
      /IPV6_SPREAD_PREFIX/,
    );
    assert.throws(() => loadConfig({ IPV6_SUBNET_PREFIX: "129" }), /IPV6_SUBNET_PREFIX/);
  });

  test("an IPv6 HOST makes a valid default issuer: in brackets, or localhost for every interface", () => {
    const issuer = (HOST: string) => loadConfig({ HOST, PORT: "3000" }).publicUrl;
    assert.equal(issuer("::"), "http://localhost:3000", "not http://:::3000");
    assert.equal(issuer("0.0.0.0"), "http://localhost:3000");
    assert.equal(issuer("::1"), "http://[::1]:3000");
    assert.equal(issuer("2001:db8::5"), "http://[2001:db8::5]:3000");
    assert.equal(issuer("hoviat.internal"), "http://hoviat.internal:3000");
  });
});

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(async () => {
  await sys.stop();
});
beforeEach(async () => {
  await resetTables(sys);
  await clearThrottles(sys);
});

let serial = 0;
function nextPerson() {
  serial++;
  const nine = String(300_000_000 + serial);
  return { nationalId: `${nine}${nationalIdCheckDigit(nine)}`, mobile: `0913${String(1_000_000 + serial)}` };
}
const askCode = (remoteAddress: string, headers: Record<string, string> = {}) =>
  sys.app.inject({
    method: "POST",
    url: "/api/registrations/mobile-verification",
    payload: nextPerson(),
    headers,
    remoteAddress,
  });
const isChallenge = (res: { statusCode: number; json(): { code?: string } }) =>
  res.statusCode === 429 && res.json().code === "challenge_required";

/** The 1-based count of the first request of `addresses` that met a challenge, or null. */
async function firstChallenge(addresses: string[]): Promise<number | null> {
  for (const [i, address] of addresses.entries()) {
    const res = await askCode(address);
    if (isChallenge(res)) return i + 1;
    assert.equal(res.statusCode, 202, res.body);
  }
  return null;
}
const hex = (n: number) => n.toString(16);

describe("step-1 codes per address", () => {
  const expected = MOBILE_VERIFICATION_ADDRESS_RULE.threshold + 1;

  test("60 from 60 addresses of one /64 meet the challenge at the same count as 60 from one IPv4", async () => {
    const ipv4 = await firstChallenge(Array.from({ length: 60 }, () => "198.51.100.20"));
    assert.equal(ipv4, expected);
    const oneSubnet = Array.from({ length: 60 }, (_, i) => `2001:db8:5:7:${hex(i + 1)}:${hex(i * 7)}::1`);
    assert.equal(await firstChallenge(oneSubnet), expected);
  });

  test("an IPv4-mapped address counts with its IPv4 address", async () => {
    const both = Array.from({ length: 30 }, (_, i) => (i % 2 ? "::ffff:198.51.100.21" : "198.51.100.21"));
    assert.equal(await firstChallenge(both), expected);
  });

  test("spread over the /64s of one /48: the challenge comes at ten times the threshold", async () => {
    const spreadThreshold = MOBILE_VERIFICATION_ADDRESS_RULE.threshold * SPREAD_MULTIPLE;
    const subnets = Array.from({ length: spreadThreshold + 1 }, (_, i) => `2001:db8:6:${hex(i + 1)}::1`);
    assert.equal(await firstChallenge(subnets), spreadThreshold + 1);
    // Solved, the request goes through; another /48 was never held up.
    const asked = await askCode("2001:db8:6:ffff::1");
    assert.equal((await askCode("2001:db8:6:ffff::1", { "x-altcha": await answer(asked) })).statusCode, 202);
    assert.equal((await askCode("2001:db8:7:1::1")).statusCode, 202);
  });
});

describe("sign-in failures per address", () => {
  test("wrong passwords from rotating addresses of one /64 meet the address's challenge", async () => {
    const login = (remoteAddress: string) =>
      sys.app.inject({
        method: "POST",
        url: "/api/login",
        payload: { nationalId: nextPerson().nationalId, password: "Wrong1234x" },
        remoteAddress,
      });
    for (let i = 0; i < LOGIN_ADDRESS_RULE.threshold; i++) {
      assert.equal((await login(`2001:db8:9:1:${hex(i + 1)}::2`)).statusCode, 401);
    }
    assert.ok(isChallenge(await login("2001:db8:9:1:ffff::2")));
    assert.equal((await login("2001:db8:9:2::2")).statusCode, 401, "the next /64 has its own count");
  });
});
