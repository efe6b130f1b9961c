// One-time codes and tokens. A 6-digit code has only a million values, so a slow hash would not
// save a leaked one; an HMAC under SECRET_KEY (kept outside the database) makes a database leak
// useless, and the 5-try limit protects it online. Reset tokens carry 256 random bits: SHA-256 suffices.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { compactNumber } from "../../domain/digits.ts";

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

export { hashToken, newToken } from "../../platform/tokens.ts";

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
