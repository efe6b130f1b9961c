// Passkeys (R-MFA, WebAuthn) for the citizen's pages, on @simplewebauthn/browser against the
// server's routes: enrolment on the account page, sign-in with the passkey alone (a button, or the
// browser's autofill list under the national-ID field), and the second step of a half session.
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  WebAuthnError,
} from "@simplewebauthn/browser";
import { type ApiProblem, api } from "../api.ts";

/**
 * How a ceremony ended: `cancelled` when the person closed the browser's prompt or another ceremony
 * took its place (nothing to show), `failed` when the authenticator refused (e.g. it already holds a
 * passkey of this account), `problem` when the server answered an error.
 */
export type PasskeyOutcome<T> =
  | { ok: true; data: T }
  | { ok: false; reason: "cancelled" | "failed" | "unsupported" }
  /** `stage`: the options asked before the ceremony, or the answer checked after it. */
  | { ok: false; reason: "problem"; stage: "options" | "verify"; problem: ApiProblem };

export const passkeysSupported = () => browserSupportsWebAuthn();
export const passkeyAutofillSupported = () => browserSupportsWebAuthnAutofill();

/** Ends a waiting ceremony (the autofill list), e.g. when the page goes away. */
export const cancelPasskeyCeremony = () => WebAuthnAbortService.cancelCeremony();

function ceremonyFailure(error: unknown): { ok: false; reason: "cancelled" | "failed" } {
  const name =
    error instanceof WebAuthnError ? (error.cause as Error | undefined)?.name : (error as Error)?.name;
  // NotAllowedError: the prompt was closed or timed out; AbortError: another ceremony replaced it.
  if (name === "NotAllowedError" || name === "AbortError") return { ok: false, reason: "cancelled" };
  if (error instanceof WebAuthnError && error.code === "ERROR_CEREMONY_ABORTED") {
    return { ok: false, reason: "cancelled" };
  }
  return { ok: false, reason: "failed" };
}

/**
 * Signs in with a passkey: with no session it is both factors; with a half session it completes
 * it. `autofill` waits for the person to pick a passkey in the national-ID field's suggestions
 * (conditional mediation) instead of opening the browser's dialog.
 */
export async function signInWithPasskey(
  options: { autofill?: boolean; rememberBrowser?: boolean } = {},
): Promise<PasskeyOutcome<{ next: string }>> {
  if (!browserSupportsWebAuthn()) return { ok: false, reason: "unsupported" };
  if (options.autofill && !(await browserSupportsWebAuthnAutofill()))
    return { ok: false, reason: "unsupported" };
  const begun = await api<PublicKeyCredentialRequestOptionsJSON>(
    "POST",
    "/api/passkeys/authentication/options",
  );
  if (!begun.ok) return { ok: false, reason: "problem", stage: "options", problem: begun.problem };
  let response: Awaited<ReturnType<typeof startAuthentication>>;
  try {
    response = await startAuthentication({
      optionsJSON: begun.data,
      useBrowserAutofill: options.autofill === true,
    });
  } catch (error) {
    return ceremonyFailure(error);
  }
  const body = { response, ...(options.rememberBrowser ? { rememberBrowser: true } : {}) };
  const done = await api<{ next: string }>("POST", "/api/passkeys/authentication", body);
  return done.ok
    ? { ok: true, data: done.data }
    : { ok: false, reason: "problem", stage: "verify", problem: done.problem };
}

/**
 * Adds a passkey to the signed-in account. The options route asks the holder to prove themselves
 * (the current password, unless a second factor was given in the last minutes): its problem comes
 * back as it is, so that the page asks for the password and tries again.
 */
export async function enrolPasskey(input: {
  name: string;
  currentPassword?: string;
}): Promise<PasskeyOutcome<{ id: string; name: string }>> {
  if (!browserSupportsWebAuthn()) return { ok: false, reason: "unsupported" };
  const proof = input.currentPassword ? { currentPassword: input.currentPassword } : {};
  const begun = await api<PublicKeyCredentialCreationOptionsJSON>(
    "POST",
    "/api/account/passkeys/registration/options",
    proof,
  );
  if (!begun.ok) return { ok: false, reason: "problem", stage: "options", problem: begun.problem };
  let response: Awaited<ReturnType<typeof startRegistration>>;
  try {
    response = await startRegistration({ optionsJSON: begun.data });
  } catch (error) {
    return ceremonyFailure(error);
  }
  const name = input.name.trim();
  const done = await api<{ id: string; name: string }>("POST", "/api/account/passkeys/registration", {
    response,
    ...(name ? { name } : {}),
  });
  return done.ok
    ? { ok: true, data: done.data }
    : { ok: false, reason: "problem", stage: "verify", problem: done.problem };
}
