import { toLatinDigits } from "./digits.ts";
import { type Blocklist, isCommonOrPersonal, type PersonalData } from "./password-blocklist.ts";
import type { FieldError } from "./result.ts";

/**
 * What a rule may know besides the password: the person's own data (R-PWD: not the national ID,
 * not built from names, birth date, mobile) and the blocklist of common passwords. Each part is
 * optional: the rule checks what it is given, so a form that knows less checks less, and the server,
 * which always knows the person and the blocklist, has the last word.
 */
export type PasswordContext = PersonalData & { blocklist?: Blocklist | undefined };

/**
 * What a rule needs besides the password: nothing, the national ID, or the person's data and the
 * blocklist. A page that lacks it cannot judge the rule; the server, which has it, does.
 */
export type RuleNeeds = "password" | "nationalId" | "person";

export type PasswordRule = {
  code: string;
  needs: RuleNeeds;
  test(password: string, context?: PasswordContext): boolean;
};

/**
 * R-PWD, in the guide's order, then the blocklist (beyond the guide). `test` is true when the
 * password keeps the rule. The password is never normalised: a Persian digit in it breaks the
 * charset rule, as the guide asks for Latin only.
 */
export const PASSWORD_RULES = [
  { code: "password.charset", needs: "password", test: (p: string) => /^[A-Za-z0-9]*$/.test(p) },
  { code: "password.length", needs: "password", test: (p: string) => [...p].length >= 8 },
  { code: "password.upper", needs: "password", test: (p: string) => /[A-Z]/.test(p) },
  { code: "password.lower", needs: "password", test: (p: string) => /[a-z]/.test(p) },
  { code: "password.digit", needs: "password", test: (p: string) => /[0-9]/.test(p) },
  {
    code: "password.nationalId",
    needs: "nationalId",
    test: (p: string, c?: PasswordContext) => !containsNationalId(p, c?.nationalId),
  },
  {
    code: "password.commonOrPersonal",
    needs: "person",
    test: (p: string, c?: PasswordContext) => !isCommonOrPersonal(p, c ?? {}, c?.blocklist),
  },
] as const satisfies readonly PasswordRule[];

export const PASSWORD_CODES = [
  "password.required",
  ...PASSWORD_RULES.map((rule) => rule.code),
  "passwordConfirmation.required",
  "passwordConfirmation.mismatch",
] as const;

// Digits are converted on both sides only for this comparison, so the national ID typed in
// Persian digits inside a password is still caught (besides breaking the charset rule).
function containsNationalId(password: string, nationalId?: string): boolean {
  if (nationalId === undefined) return false;
  const id = toLatinDigits(nationalId).replace(/\D/g, "");
  return id.length === 10 && toLatinDigits(password).includes(id);
}

/**
 * Whether a page can judge `rule` with what it knows: `personKnown` when its context holds all of
 * the person's data the server checks. A rule it cannot judge is shown as checked at submission,
 * never as kept (issue 21: recovery showed ✓ for a password the server then refused as personal).
 */
export function canJudge(rule: PasswordRule, context: PasswordContext, personKnown: boolean): boolean {
  if (rule.needs === "nationalId") return context.nationalId !== undefined;
  if (rule.needs === "person") return personKnown && context.blocklist !== undefined;
  return true;
}

/** Letters or digits outside Latin (a Persian keyboard): the charset rule's own hint. */
export function hasNonLatin(password: string): boolean {
  return /[^\x20-\x7E]/.test(password);
}

/** Every broken rule's code, in the order of PASSWORD_RULES; empty when the password is good. */
export function checkPassword(password: string, context: PasswordContext = {}): string[] {
  return PASSWORD_RULES.filter((rule) => !rule.test(password, context)).map((rule) => rule.code);
}

/** Every broken rule is its own error on the password field, all at once. */
export function validatePasswordPair(
  password: unknown,
  confirmation: unknown,
  context: PasswordContext = {},
): FieldError[] {
  const errors: FieldError[] = [];
  const hasPassword = typeof password === "string" && password !== "";
  if (hasPassword) {
    for (const code of checkPassword(password, context)) errors.push({ field: "password", code });
  } else {
    errors.push({ field: "password", code: "password.required" });
  }
  if (typeof confirmation !== "string" || confirmation === "") {
    errors.push({ field: "passwordConfirmation", code: "passwordConfirmation.required" });
  } else if (hasPassword && confirmation !== password) {
    errors.push({ field: "passwordConfirmation", code: "passwordConfirmation.mismatch" });
  }
  return errors;
}
