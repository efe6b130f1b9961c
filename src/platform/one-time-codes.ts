// One-time codes (R-REG, R-REC, R-ACCT, R-BRANCH, R-MFA): made, hashed, typed and guessed in one place.
// A 6-digit code has only a million values, so a slow hash would not save a leaked one; an HMAC under
// SECRET_KEY (kept outside the database) makes a database leak useless, and the 5-try limit protects it
// online. Each guess is reserved in the same statement that checks the limit (`attempts < max`), before
// the code is compared: a burst of parallel guesses gets exactly `max` comparisons.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { sql } from "kysely";
import { compactNumber } from "../domain/digits.ts";
import type { Db } from "./database.ts";

export const CODE_LENGTH = 6;
/** Wrong codes or answers before a recovery or a contact change is dead. */
export const MAX_ATTEMPTS = 5;

export function newCode(): string {
  return String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, "0");
}

/** The code bound to its purpose (a recovery or change id), so it proves nothing anywhere else. */
export function hashCode(secretKey: string, purposeId: string, code: string): string {
  return createHmac("sha256", secretKey).update(`code:${purposeId}:${code}`).digest("base64url");
}

/**
 * Whether `code` is the one hashed in `stored`, under any key of the ring (SECRET_KEY rotation: the
 * first key hashes new codes, the older ones still verify codes sent before the rotation).
 */
export function codeMatches(
  secretKeys: readonly string[],
  stored: string | null | undefined,
  purposeId: string,
  code: string,
): boolean {
  return secretKeys.some((key) => sameHash(stored, hashCode(key, purposeId, code)));
}

export { hashToken, newToken } from "./tokens.ts";

export function sameHash(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Codes arrive as typed: Persian digits and spaces are fine. */
export function cleanCode(input: unknown): string {
  return typeof input === "string" ? compactNumber(input, /[\s-]/g) : "";
}

/** Tables whose rows carry `id`, `code_hash`, `attempts`, `status` and `expires_at`. */
export type CodeTable =
  | "mobile_verifications"
  | "email_confirmations"
  | "password_setups"
  | "branch_activations"
  | "sign_in_codes";

export type Guess = { outcome: "right" } | { outcome: "wrong"; attemptsLeft: number } | { outcome: "spent" };

export async function guessCode(
  db: Db,
  where: { table: CodeTable; id: string; status: string },
  now: Date,
  maxAttempts: number,
  matches: (codeHash: string | null) => boolean,
): Promise<Guess> {
  const { table, id, status } = where;
  const reserved = await sql<{ attempts: number; code_hash: string | null }>`
    update ${sql.table(table)} set attempts = attempts + 1
    where id = ${id} and status = ${status} and attempts < ${maxAttempts} and expires_at > ${now}
    returning attempts, code_hash`.execute(db);
  const row = reserved.rows[0];
  if (!row) return { outcome: "spent" };
  if (matches(row.code_hash)) return { outcome: "right" };
  if (row.attempts >= maxAttempts) {
    await sql`update ${sql.table(table)} set status = 'dead' where id = ${id} and status = ${status}`.execute(
      db,
    );
    return { outcome: "spent" };
  }
  return { outcome: "wrong", attemptsLeft: maxAttempts - row.attempts };
}
