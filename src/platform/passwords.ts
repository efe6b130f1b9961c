// argon2id at OWASP's parameters (m=19456 KiB, t=2, p=1). The PHC string stores the parameters with
// each hash, so raising them later re-hashes on the next successful login.
import { hash, verify } from "@node-rs/argon2";

// algorithm 2 is Argon2id (the package exports it as an ambient const enum).
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };
/** argon2id at its lowest cost (8 KiB, one pass): for tests that do not look at the hash's cost. */
const TEST_PARAMS = { algorithm: 2, memoryCost: 8, timeCost: 1, parallelism: 1 };
let params = ARGON2_PARAMS;

/**
 * Makes this process hash at the lowest cost: test set-up only (test/helpers/system.ts), so that
 * a suite of thousands of hashes does not wait on them. Refused unless NODE_ENV=test.
 */
export function useTestHashCost(): void {
  if (process.env.NODE_ENV !== "test") throw new Error("the test hash cost is for NODE_ENV=test only");
  params = TEST_PARAMS;
}

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, params);
}

export async function verifySecret(phc: string, secret: string): Promise<boolean> {
  try {
    return await verify(phc, secret);
  } catch {
    return false;
  }
}

export function needsRehash(phc: string): boolean {
  const { memoryCost, timeCost, parallelism } = params;
  return !phc.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

let dummy: Promise<string> | undefined;
/** A real hash of a random secret: verified against for unknown accounts, so they cost the same time. */
export function dummyHash(): Promise<string> {
  dummy ??= hashSecret(crypto.randomUUID());
  return dummy;
}
