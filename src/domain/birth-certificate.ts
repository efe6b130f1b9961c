import { compactNumber } from "./digits.ts";
import { failureFor, ok, type Result } from "./result.ts";

export const BIRTH_CERTIFICATE_CODES = [
  "birthCertificateNumber.required",
  "birthCertificateNumber.format",
  "birthCertificateNumber.zero",
] as const;
const fail = failureFor(BIRTH_CERTIFICATE_CODES);

/**
 * Digits only, 1 to 10 of them. People whose certificate number is their national ID enter that
 * same value; 0 is refused because the guide tells them not to enter it in its place.
 */
export function parseBirthCertificateNumber(input: unknown): Result<string> {
  if (input === undefined || input === null) return fail("birthCertificateNumber.required");
  if (typeof input !== "string" && typeof input !== "number") return fail("birthCertificateNumber.format");
  const value = compactNumber(String(input), /^\s+|\s+$/g);
  if (value === "") return fail("birthCertificateNumber.required");
  if (!/^\d{1,10}$/.test(value)) return fail("birthCertificateNumber.format");
  if (/^0+$/.test(value)) return fail("birthCertificateNumber.zero");
  return ok(value);
}
