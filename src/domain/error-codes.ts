import { BIRTH_CERTIFICATE_CODES } from "./birth-certificate.ts";
import { EMAIL_CODES } from "./email.ts";
import { BIRTH_DATE_CODES } from "./jalali-date.ts";
import { MOBILE_CODES } from "./mobile.ts";
import { NATIONAL_ID_CODES } from "./national-id.ts";
import { PASSWORD_CODES } from "./password-policy.ts";
import { PERSON_NAME_CODES } from "./persian-text.ts";
import { GENDER_CODES, MOBILE_PROOF_CODES } from "./registration.ts";
import { SECURITY_ANSWER_CODES } from "./security-questions.ts";

/** Every code the domain can return; each has a text under `errors.<code>` in the message files. */
export const ERROR_CODES: readonly string[] = [
  ...NATIONAL_ID_CODES,
  ...MOBILE_CODES,
  ...PERSON_NAME_CODES,
  ...GENDER_CODES,
  ...BIRTH_CERTIFICATE_CODES,
  ...BIRTH_DATE_CODES,
  ...EMAIL_CODES,
  ...SECURITY_ANSWER_CODES,
  ...PASSWORD_CODES,
  ...MOBILE_PROOF_CODES,
];
