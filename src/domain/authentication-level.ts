// How a person signed in (R-MFA, R-SSO): the RFC 8176 methods of a sign-in and the level they reach.
// One table for the server, the OpenID Provider and the tests.

/** RFC 8176 authentication method references used by Hoviat. */
export type Amr = "pwd" | "sms" | "otp" | "hwk" | "swk" | "user" | "mfa";

/** 1: one factor; 2: two factors (a remembered browser counts); 3: phishing-resistant (a passkey). */
export type Aal = 1 | 2 | 3;

/** The acr_values an e-service may ask for the authentication (beside the identity's acr). */
export const AAL_VALUES = {
  2: "urn:hoviat:aal:2",
  3: "urn:hoviat:aal:phishing-resistant",
} as const;

/** What each level is called in the ID token's `aal` claim. */
export const AAL_NAMES: Record<Aal, string> = {
  1: "urn:hoviat:aal:1",
  2: AAL_VALUES[2],
  3: AAL_VALUES[3],
};

/** The level an acr_values string asks for (the highest named), 1 when it asks for none. */
export function requestedAal(acrValues: string | undefined | null): Aal {
  const values = (acrValues ?? "").split(" ");
  if (values.includes(AAL_VALUES[3])) return 3;
  if (values.includes(AAL_VALUES[2])) return 2;
  return 1;
}

/** The amr of a sign-in once `added` joined `amr`: "mfa" when two kinds of factor were used. */
export function withMethods(amr: readonly string[], ...added: Amr[]): Amr[] {
  const set = new Set<string>([...amr, ...added]);
  set.delete("mfa");
  const knowledge = set.has("pwd");
  const possession = set.has("sms") || set.has("otp") || set.has("hwk") || set.has("swk");
  const inherence = set.has("user");
  const kinds = [knowledge, possession, inherence].filter(Boolean).length;
  if (kinds >= 2) set.add("mfa");
  return [...set].sort() as Amr[];
}

/** The level an amr reaches. A passkey with user verification (hwk/swk + user) is phishing-resistant. */
export function levelOf(amr: readonly string[], rememberedBrowser = false): Aal {
  if ((amr.includes("hwk") || amr.includes("swk")) && amr.includes("user")) return 3;
  if (amr.includes("mfa") || rememberedBrowser) return 2;
  return 1;
}
