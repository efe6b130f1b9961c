// argon2id at OWASP's parameters (m=19456 KiB, t=2, p=1). The PHC string stores the parameters with
// each hash, so raising them later re-hashes on the next successful login.
import { hash, verify } from "@node-rs/argon2";

// algorithm 2 is Argon2id (the package exports it as an ambient const enum).
export const ARGON2_PARAMS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, ARGON2_PARAMS);
}

export async function verifySecret(phc: string, secret: string): Promise<boolean> {
  try {
    return await verify(phc, secret);
  } catch {
    return false;
  }
}

export function needsRehash(phc: string): boolean {
  const { memoryCost, timeCost, parallelism } = ARGON2_PARAMS;
  return !phc.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`);
}

let dummy: Promise<string> | undefined;
/** A real hash of a random secret: verified against for unknown accounts, so they cost the same time. */
export function dummyHash(): Promise<string> {
  dummy ??= hashSecret(crypto.randomUUID());
  return dummy;
}
