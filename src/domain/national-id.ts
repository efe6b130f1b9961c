import { compactNumber } from "./digits.ts";
import { failureFor, ok, type Result } from "./result.ts";

export const NATIONAL_ID_CODES = [
  "nationalId.required",
  "nationalId.format",
  "nationalId.checksum",
  "nationalId.invalid",
] as const;
const fail = failureFor(NATIONAL_ID_CODES);

/** The check digit (10th digit) for the first nine digits of a national ID. */
export function nationalIdCheckDigit(firstNine: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const r = sum % 11;
  return r < 2 ? r : 11 - r;
}

/**
 * Written here rather than taken from @persian-tools' verifyIranianNationalId, which pads 8- and
 * 9-digit input with zeros, keeps only the last ten digits of longer input, and (by default)
 * refuses IDs whose first three digits are missing from its own list of county codes.
 */
export function parseNationalId(input: unknown): Result<string> {
  if (input === undefined || input === null) return fail("nationalId.required");
  if (typeof input !== "string" && typeof input !== "number") return fail("nationalId.format");
  const id = compactNumber(String(input), /[\s\-\u2010-\u2015\u2212]/g);
  if (id === "") return fail("nationalId.required");
  if (!/^\d{10}$/.test(id)) return fail("nationalId.format");
  // Ten equal digits always satisfy the check digit, but no such ID is ever issued.
  if (/^(\d)\1{9}$/.test(id)) return fail("nationalId.invalid");
  if (nationalIdCheckDigit(id) !== Number(id[9])) return fail("nationalId.checksum");
  return ok(id);
}

/** True when `s` is a national ID in any accepted spelling (Persian digits, spaces, dashes). */
export function isValidNationalId(s: string): boolean {
  return parseNationalId(s).ok;
}

/** "0012345678" → "0012****78": enough for a person to recognise their own ID in a list. */
export function maskNationalId(id: string): string {
  if (id.length <= 6) return "*".repeat(id.length);
  return `${id.slice(0, 4)}${"*".repeat(id.length - 6)}${id.slice(-2)}`;
}
