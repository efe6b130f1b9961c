import { parseBirthCertificateNumber } from "./birth-certificate.ts";
import { parseEmail } from "./email.ts";
import { formatJalaliDate, parseJalaliDate } from "./jalali-date.ts";
import { parseMobile } from "./mobile.ts";
import { parseNationalId } from "./national-id.ts";
import type { Blocklist } from "./password-blocklist.ts";
import { type PasswordContext, validatePasswordPair } from "./password-policy.ts";
import { parsePersonName } from "./persian-text.ts";
import { type FieldError, failureFor, ok, type Result } from "./result.ts";
import { type SecurityAnswer, validateSecurityAnswers } from "./security-questions.ts";

export const REGISTRATION_STEPS = [
  "identity",
  "birthCertificate",
  "email",
  "securityQuestions",
  "password",
  "review",
] as const;
export type RegistrationStep = (typeof REGISTRATION_STEPS)[number];

export const GENDERS = ["male", "female"] as const;
export type Gender = (typeof GENDERS)[number];
export const GENDER_CODES = ["gender.required", "gender.invalid"] as const;
const genderFail = failureFor(GENDER_CODES);
/** The mobileProof of step 1 (POST /api/registrations/mobile-verification): missing, or not for this pair. */
export const MOBILE_PROOF_CODES = ["mobileProof.required", "mobileProof.invalid"] as const;

export type RegistrationInput = {
  nationalId: string;
  mobile: string;
  firstName: string;
  lastName: string;
  gender: Gender;
  birthCertificateNumber: string;
  /** Canonical "YYYY/MM/DD", Jalali, Latin digits. */
  birthDate: string;
  email: string;
  securityAnswers: SecurityAnswer[];
  password: string;
  passwordConfirmation: string;
};

/** The fields each step of the wizard shows, in screen order. */
export const STEP_FIELDS = {
  identity: ["nationalId", "mobile"],
  birthCertificate: ["lastName", "firstName", "gender", "birthCertificateNumber", "birthDate"],
  email: ["email"],
  securityQuestions: ["securityAnswers"],
  password: ["password", "passwordConfirmation"],
  review: [],
} as const satisfies Record<RegistrationStep, readonly (keyof RegistrationInput)[]>;

type Draft = Partial<RegistrationInput>;
type Options = { blocklist?: Blocklist | undefined };
type Check = (raw: Record<string, unknown>, today: Date, draft: Draft, options: Options) => FieldError[];

function single<K extends keyof RegistrationInput>(
  field: K,
  parse: (input: unknown) => Result<RegistrationInput[K]>,
): Check {
  return (raw, _today, draft) => {
    const result = parse(raw[field]);
    if (!result.ok) return [{ field, code: result.code }];
    draft[field] = result.value;
    return [];
  };
}

function parseGender(input: unknown): Result<Gender> {
  if (input === undefined || input === null || input === "") return genderFail("gender.required");
  if (!GENDERS.includes(input as Gender)) return genderFail("gender.invalid");
  return ok(input as Gender);
}

const checks: Record<Exclude<RegistrationStep, "review">, Check[]> = {
  identity: [single("nationalId", parseNationalId), single("mobile", parseMobile)],
  birthCertificate: [
    single("lastName", (v) => parsePersonName(v, "lastName")),
    single("firstName", (v) => parsePersonName(v, "firstName")),
    single("gender", parseGender),
    single("birthCertificateNumber", parseBirthCertificateNumber),
    (raw, today, draft) => {
      const result = parseJalaliDate(raw.birthDate, today);
      if (!result.ok) return [{ field: "birthDate", code: result.code }];
      draft.birthDate = formatJalaliDate(result.value);
      return [];
    },
  ],
  email: [single("email", parseEmail)],
  securityQuestions: [
    (raw, _today, draft) => {
      const { value, errors } = validateSecurityAnswers(raw.securityAnswers);
      draft.securityAnswers = value;
      return errors;
    },
  ],
  password: [
    (raw, today, draft, options) => {
      const errors = validatePasswordPair(
        raw.password,
        raw.passwordConfirmation,
        personOf(raw, today, options),
      );
      if (errors.length === 0) {
        draft.password = raw.password as string;
        draft.passwordConfirmation = raw.passwordConfirmation as string;
      }
      return errors;
    },
  ],
};

// The person's data the password must not be made of: only fields that are themselves valid, so
// the password's errors do not depend on another step's mistakes.
function personOf(raw: Record<string, unknown>, today: Date, options: Options): PasswordContext {
  const valid = <T>(r: Result<T>) => (r.ok ? r.value : undefined);
  const birthDate = valid(parseJalaliDate(raw.birthDate, today));
  return {
    nationalId: valid(parseNationalId(raw.nationalId)),
    mobile: valid(parseMobile(raw.mobile)),
    firstName: valid(parsePersonName(raw.firstName, "firstName")),
    lastName: valid(parsePersonName(raw.lastName, "lastName")),
    birthDate: birthDate && formatJalaliDate(birthDate),
    blocklist: options.blocklist,
  };
}

function run(
  steps: readonly RegistrationStep[],
  raw: Record<string, unknown>,
  today: Date,
  draft: Draft,
  options: Options,
) {
  return steps.flatMap((step) =>
    step === "review" ? [] : checks[step].flatMap((check) => check(raw, today, draft, options)),
  );
}

/** Errors of one step; `review` checks every step, as the final submission does. */
export function validateRegistrationStep(
  step: RegistrationStep,
  raw: Record<string, unknown>,
  today: Date,
  options: Options = {},
): FieldError[] {
  return run(step === "review" ? REGISTRATION_STEPS : [step], raw, today, {}, options);
}

/** The whole submission, validated and in canonical form; the server passes the blocklist. */
export function validateRegistration(
  raw: Record<string, unknown>,
  today: Date,
  options: Options = {},
): { ok: true; value: RegistrationInput } | { ok: false; errors: FieldError[] } {
  const draft: Draft = {};
  const errors = run(REGISTRATION_STEPS, raw, today, draft, options);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: draft as RegistrationInput };
}
