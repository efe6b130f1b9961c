import { removeInvisible, toLatinDigits } from "./digits.ts";
import { failureFor, ok, type Result } from "./result.ts";

export const EMAIL_CODES = ["email.required", "email.format"] as const;
const fail = failureFor(EMAIL_CODES);

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A deliberately plain check (dot-atom local part, DNS domain with a dot, ≤ 254 characters): the
 * address is proven only when a message reaches it. Persian digits typed on a Persian keyboard
 * are converted; the domain is lower-cased, the local part kept as typed.
 */
export function parseEmail(input: unknown): Result<string> {
  if (input === undefined || input === null) return fail("email.required");
  if (typeof input !== "string") return fail("email.format");
  const email = toLatinDigits(removeInvisible(input).replace(/\u200C/g, "")).trim();
  if (email === "") return fail("email.required");
  if (email.length > 254) return fail("email.format");
  const parts = email.split("@");
  if (parts.length !== 2) return fail("email.format");
  const [local = "", rawDomain = ""] = parts;
  const domain = rawDomain.toLowerCase();
  const labels = domain.split(".");
  const tld = labels[labels.length - 1] ?? "";
  if (
    local.length > 64 ||
    !LOCAL_PART.test(local) ||
    labels.length < 2 ||
    !labels.every((label) => DOMAIN_LABEL.test(label)) ||
    !/^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld)
  ) {
    return fail("email.format");
  }
  return ok(`${local}@${domain}`);
}
