// The hash's cost: OWASP's argon2id parameters unless test set-up lowers them, which only NODE_ENV=test may.
// The tests run in order: the last one lowers the cost for the rest of this process.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hashSecret, needsRehash, useTestHashCost, verifySecret } from "./passwords.ts";

const OWASP = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/;

test("a secret is hashed with argon2id at m=19456 KiB, t=2, p=1, and a hash at other parameters needs re-hashing", async () => {
  const phc = await hashSecret("Correct-horse-7");
  assert.match(phc, OWASP);
  assert.equal(await verifySecret(phc, "Correct-horse-7"), true);
  assert.equal(await verifySecret(phc, "correct-horse-7"), false);
  assert.equal(needsRehash(phc), false);
  assert.equal(needsRehash("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"), true);
});

test("the test hash cost is refused outside NODE_ENV=test", async () => {
  const env = process.env.NODE_ENV;
  try {
    for (const mode of ["production", "development", undefined]) {
      if (mode === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = mode;
      assert.throws(useTestHashCost, /NODE_ENV=test only/);
      assert.match(await hashSecret("Correct-horse-7"), OWASP);
    }
  } finally {
    process.env.NODE_ENV = env;
  }
});

test("under NODE_ENV=test the cost can be lowered; a hash at OWASP's parameters still verifies", async () => {
  const owasp = await hashSecret("Correct-horse-7");
  process.env.NODE_ENV = "test";
  useTestHashCost();
  const cheap = await hashSecret("Correct-horse-7");
  assert.match(cheap, /^\$argon2id\$v=19\$m=8,t=1,p=1\$/);
  assert.equal(await verifySecret(cheap, "Correct-horse-7"), true);
  assert.equal(await verifySecret(owasp, "Correct-horse-7"), true);
});
