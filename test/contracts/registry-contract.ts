// One contract for the civil registry and the mobile-ownership registry: the in-process simulator and
// the HTTP adapter (against the simulator served over HTTP) run it, with fixtures/registry.demo.json.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type CivilRegistry, RegistryUnavailable } from "../../src/ports/civil-registry.ts";
import type { MobileOwnership } from "../../src/ports/mobile-ownership.ts";

export type RegistryHarness = {
  registry: CivilRegistry & MobileOwnership;
  /** Takes the registry down (true) or brings it back (false). */
  outage(down: boolean): void;
  close?(): Promise<void>;
};

export function registryContract(name: string, factory: () => Promise<RegistryHarness>): void {
  describe(`CivilRegistry + MobileOwnership contract: ${name}`, () => {
    let h: RegistryHarness;
    before(async () => {
      h = await factory();
    });
    after(async () => {
      await h.close?.();
    });

    test("a known national ID answers the person's record, and nothing more", async () => {
      assert.deepEqual(await h.registry.findPerson("0012345679"), {
        nationalId: "0012345679",
        firstName: "علی",
        lastName: "رضایی",
        gender: "male",
        birthCertificateNumber: "1234",
        birthDate: "1365/04/12",
      });
    });

    test("an unknown national ID answers null", async () => {
      assert.equal(await h.registry.findPerson("0000000000"), null);
    });

    test("mobile ownership: the owned number, another number, an unknown person", async () => {
      assert.equal(await h.registry.isOwner("0012345679", "09121234567"), true);
      assert.equal(await h.registry.isOwner("0012345679", "09129999999"), false);
      assert.equal(await h.registry.isOwner("0034567895", "09121234567"), false);
      assert.equal(await h.registry.isOwner("0000000000", "09121234567"), false);
    });

    test("an outage is RegistryUnavailable, never a conclusion; service resumes after it", async () => {
      h.outage(true);
      try {
        await assert.rejects(h.registry.findPerson("0012345679"), RegistryUnavailable);
        await assert.rejects(h.registry.isOwner("0012345679", "09121234567"), RegistryUnavailable);
      } finally {
        h.outage(false);
      }
      assert.equal((await h.registry.findPerson("0012345679"))?.lastName, "رضایی");
    });
  });
}
