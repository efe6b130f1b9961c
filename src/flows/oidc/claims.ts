// What an e-service learns about a person (R-SSO): scopes → claims, the pairwise subject, and the
// acr that says how the identity was proved.
import { createHmac } from "node:crypto";
import { AAL_VALUES } from "../../domain/authentication-level.ts";
import { jalaliToGregorian } from "../../domain/jalali-date.ts";
import type { Db } from "../../platform/database.ts";
import type { AccountTable } from "../../platform/schema.ts";

/** The scopes Hoviat offers beyond `openid` and `offline_access`. */
export const SCOPES = ["profile", "national_id", "phone", "email"];

// acr, sid, auth_time and iss stand alone (no scope): without `acr: null` here oidc-provider
// leaves acr out of every ID token, whatever acrValues says. `amr` (RFC 8176) and `aal` (the
// authentication level reached, AAL_NAMES) and `auth_time` come with `openid`, so every ID token carries
// them; they are never in userinfo (oidc-provider gives amr and auth_time to ID tokens only; aal:
// account-reads.ts).
export const CLAIMS = {
  acr: null,
  sid: null,
  auth_time: null,
  iss: null,
  openid: ["sub", "amr", "aal", "auth_time"],
  profile: ["given_name", "family_name", "name", "gender", "birthdate", "birthdate_jalali"],
  national_id: ["national_id"],
  phone: ["phone_number", "phone_number_verified"],
  email: ["email", "email_verified"],
};

/**
 * The Authentication Context Class References (`acr`) every ID token carries. They tell how the
 * identity behind the account was proved, not how the person signed in (always a password):
 * - REGISTRY_MOBILE: the birth-certificate data matched the civil registry and the mobile-ownership
 *   registry says the number belongs to this national ID (the verification job; remote proofing).
 * - BRANCH_DOCUMENTS: a branch operator saw the original national card and birth certificate and
 *   activated the account (src/flows/branch; in-person proofing, the stronger of the two).
 */
export const ACR = {
  REGISTRY_MOBILE: "urn:hoviat:acr:registry-mobile",
  BRANCH_DOCUMENTS: "urn:hoviat:acr:branch-documents",
} as const;
export const ACR_VALUES: string[] = [ACR.REGISTRY_MOBILE, ACR.BRANCH_DOCUMENTS];
/**
 * acr_values_supported: one identity value above and one authentication value (how the person signs
 * in this time: urn:hoviat:aal:2, urn:hoviat:aal:phishing-resistant) may be asked together.
 */
export const ACR_VALUES_SUPPORTED: string[] = [...ACR_VALUES, AAL_VALUES[2], AAL_VALUES[3]];
const ACR_RANK: Record<string, number> = { [ACR.REGISTRY_MOBILE]: 1, [ACR.BRANCH_DOCUMENTS]: 2 };

export async function acrOf(db: Db, accountId: string): Promise<string> {
  const branch = await db
    .selectFrom("branch_activations")
    .select("id")
    .where("account_id", "=", accountId)
    .where("status", "=", "done")
    .executeTakeFirst();
  return branch ? ACR.BRANCH_DOCUMENTS : ACR.REGISTRY_MOBILE;
}

/**
 * The identity values of `acr_values` are honoured when the account's proof meets one of them (a
 * stronger proof meets a weaker request); otherwise the request is refused with
 * unmet_authentication_requirements. Authentication values (urn:hoviat:aal:…) are not identity
 * proofs and are left to requestedAal.
 */
export function meetsAcrValues(acr: string, requested: string | undefined): boolean {
  if (!requested) return true;
  const wanted = requested.split(" ").filter((v) => v in ACR_RANK);
  if (wanted.length === 0) return true;
  return wanted.some((v) => (ACR_RANK[acr] ?? 0) >= (ACR_RANK[v] ?? 99));
}

/**
 * The subject an e-service sees: HMAC of the account per sector (host), under the installation's
 * pairwise salt (oidc_salts), which never rotates: a subject must stay the same for ever.
 */
export function pairwiseSubject(salt: string, accountId: string, sector: string): string {
  return createHmac("sha256", `oidc-pairwise:${salt}`)
    .update(`${sector}\u0000${accountId}`)
    .digest("base64url");
}

/** "09121234567" → "+989121234567" (E.164). */
export const e164 = (mobile: string) => `+98${mobile.slice(1)}`;

function isoBirthdate(jalali: string): string {
  const [jy, jm, jd] = jalali.split("/").map(Number);
  return jalaliToGregorian({ jy: jy!, jm: jm!, jd: jd! }).toISOString().slice(0, 10);
}

/** The columns of an account its claims are made from (see account-reads.ts). */
export type ClaimsAccount = Pick<
  AccountTable,
  "first_name" | "last_name" | "gender" | "birth_date" | "national_id" | "mobile" | "email"
> & { email_verified: boolean };

/** Every claim Hoviat can release; oidc-provider keeps those of the granted scopes. */
export function accountClaims(accountId: string, account: ClaimsAccount) {
  return {
    sub: accountId,
    given_name: account.first_name,
    family_name: account.last_name,
    name: `${account.first_name} ${account.last_name}`,
    gender: account.gender,
    birthdate: isoBirthdate(account.birth_date),
    birthdate_jalali: account.birth_date.replaceAll("/", "-"),
    national_id: account.national_id,
    phone_number: e164(account.mobile),
    // Every active account's number was proved: registry ownership, a code, or a branch.
    phone_number_verified: true,
    email: account.email,
    // Registration does not prove the mailbox; a code sent to it that came back does.
    email_verified: account.email_verified,
  };
}
