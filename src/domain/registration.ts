import { parseBirthCertificateNumber } from "./birth-certificate.ts";
import { parseEmail } from "./email.ts";
import { formatJalaliDate, parseJalaliDate } from "./jalali-date.ts";
import { parseMobile } from "./mobile.ts";
import { parseNationalId } from "./national-id.ts";
import { validatePasswordPair } from "./password-policy.ts";
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
type Check = (raw: Record<string, unknown>, today: Date, draft: Draft) => FieldError[];

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
    (raw, _today, draft) => {
      // The "no national ID" rule can only be checked once the national ID itself is valid.
      const nationalId = parseNationalId(raw.nationalId);
      const errors = validatePasswordPair(
        raw.password,
        raw.passwordConfirmation,
        nationalId.ok ? nationalId.value : undefined,
      );
      if (errors.length === 0) {
        draft.password = raw.password as string;
        draft.passwordConfirmation = raw.passwordConfirmation as string;
      }
      return errors;
    },
  ],
};

function run(steps: readonly RegistrationStep[], raw: Record<string, unknown>, today: Date, draft: Draft) {
  return steps.flatMap((step) =>
    step === "review" ? [] : checks[step].flatMap((check) => check(raw, today, draft)),
  );
}

/** Errors of one step; `review` checks every step, as the final submission does. */
export function validateRegistrationStep(
  step: RegistrationStep,
  raw: Record<string, unknown>,
  today: Date,
): FieldError[] {
  return run(step === "review" ? REGISTRATION_STEPS : [step], raw, today, {});
}

/** The whole submission, validated and in canonical form. */
export function validateRegistration(
  raw: Record<string, unknown>,
  today: Date,
): { ok: true; value: RegistrationInput } | { ok: false; errors: FieldError[] } {
  const draft: Draft = {};
  const errors = run(REGISTRATION_STEPS, raw, today, draft);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: draft as RegistrationInput };
}
