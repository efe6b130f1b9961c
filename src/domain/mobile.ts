import { compactNumber } from "./digits.ts";
import { failureFor, ok, type Result } from "./result.ts";

export const MOBILE_CODES = ["mobile.required", "mobile.format"] as const;
const fail = failureFor(MOBILE_CODES);

/**
 * Accepts the spellings people actually type (09…, 9…, +989…, 00989…, 989…, +98 (0) 912…) and
 * returns the one stored form, 09xxxxxxxxx.
 */
export function parseMobile(input: unknown): Result<string> {
  if (input === undefined || input === null) return fail("mobile.required");
  if (typeof input !== "string") return fail("mobile.format");
  let n = compactNumber(input, /[\s\-\u2010-\u2015\u2212().]/g);
  if (n === "") return fail("mobile.required");
  if (n.startsWith("+98")) n = n.slice(3);
  else if (n.startsWith("0098")) n = n.slice(4);
  else if (/^98\d{10}$/.test(n)) n = n.slice(2);
  if (/^0\d{10}$/.test(n)) n = n.slice(1);
  if (!/^9\d{9}$/.test(n)) return fail("mobile.format");
  return ok(`0${n}`);
}

export function isValidMobile(s: string): boolean {
  return parseMobile(s).ok;
}

/** "09121234567" → "0912***4567". */
export function maskMobile(mobile: string): string {
  if (mobile.length <= 8) return "*".repeat(mobile.length);
  return `${mobile.slice(0, 4)}${"*".repeat(mobile.length - 8)}${mobile.slice(-4)}`;
}
