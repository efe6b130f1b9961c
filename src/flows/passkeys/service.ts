// A citizen's passkeys (R-MFA): enrolled on the account page once the holder proved themselves again,
// listed, renamed, removed; and the sign-in with one, which is both factors (possession of the
// authenticator + the person's verification on it): alone, after a password, or to step a session up.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { withMethods } from "../../domain/authentication-level.ts";
import { t } from "../../messages/index.ts";
import { InvalidInput, Problem, Unauthorized } from "../../platform/problems.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { type AccountDeps, proveHolder } from "../account/service.ts";
import { SEND_QUEUE } from "../courier/courier.ts";
import { announceFactorChange } from "../factors/announce.ts";
import { rememberBrowser } from "../factors/remembered-browsers.ts";
import { resetOpen } from "../login/account-reset.ts";
import type { Authenticated } from "../login/auth.ts";
import {
  createSession,
  type ResolvedSession,
  replaceSession,
  type SessionPolicy,
} from "../login/sessions.ts";
import {
  listPasskeys,
  ownPasskey,
  type PasskeyDeps,
  PasskeyRefused,
  passkeyName,
  registerCredential,
  registrationOptions,
  verifyAssertion,
} from "./webauthn.ts";

export type CitizenPasskeyDeps = AccountDeps &
  PasskeyDeps & {
    sessions: SessionPolicy;
    /** Run after a full sign-in of a holder whose account reset is open (the sign-in cancels it). */
    onFullSignIn?: ((accountId: string, now: Date) => Promise<void>)[];
  };

type Body = Record<string, unknown>;
const owner = (accountId: string) => ({ kind: "account" as const, id: accountId });

export async function passkeyRegistrationOptions(deps: CitizenPasskeyDeps, auth: Authenticated, body: Body) {
  const account = await proveHolder(deps, auth, body);
  return registrationOptions(deps, owner(account.id), {
    name: account.national_id,
    displayName: `${account.first_name} ${account.last_name}`,
  });
}

/** A change of factors: a security event and an SMS notice, in the transaction of the change. */
async function announce(
  deps: CitizenPasskeyDeps,
  accountId: string,
  change: "added" | "removed",
  client: Client,
  work: (trx: PasskeyDeps["db"]) => Promise<void>,
) {
  await deps.db.transaction().execute(async (trx) => {
    await work(trx);
    const holder = await trx
      .selectFrom("accounts")
      .select(["id", "national_id", "mobile"])
      .where("id", "=", accountId)
      .executeTakeFirstOrThrow();
    const names = { event: `passkey.${change}`, message: `passkeys.${change}` };
    await announceFactorChange(trx, deps.jobs, holder, names, client, deps.clock.now());
  });
  deps.jobs.nudge(SEND_QUEUE);
}

export async function enrolPasskey(
  deps: CitizenPasskeyDeps,
  auth: Authenticated,
  body: Body,
  client: Client,
) {
  const name = passkeyName(body.name, t("fa", "passkeys.defaultName"));
  let created: { id: string; name: string } | undefined;
  await announce(deps, auth.accountId, "added", client, async (trx) => {
    created = await registerCredential(
      { ...deps, db: trx },
      owner(auth.accountId),
      body.response as RegistrationResponseJSON,
      name,
    );
  });
  return created as { id: string; name: string };
}

export const passkeysOf = (deps: PasskeyDeps, auth: Authenticated) =>
  listPasskeys(deps.db, owner(auth.accountId));

export async function renamePasskey(deps: CitizenPasskeyDeps, auth: Authenticated, id: string, body: Body) {
  const passkey = await ownPasskey(deps.db, owner(auth.accountId), id);
  const name = passkeyName(body.name, "");
  if (!name) throw new InvalidInput([{ field: "name", code: "passkeys.name.required" }]);
  await deps.db.updateTable("passkeys").set({ name }).where("id", "=", passkey.id).execute();
}

export async function removePasskey(
  deps: CitizenPasskeyDeps,
  auth: Authenticated,
  id: string,
  body: Body,
  client: Client,
) {
  const account = await proveHolder(deps, auth, body);
  const passkey = await ownPasskey(deps.db, owner(account.id), id);
  await announce(deps, account.id, "removed", client, async (trx) => {
    await trx.deleteFrom("passkeys").where("id", "=", passkey.id).execute();
    // SMS may be off as a second factor only while a passkey or an app stands in for it.
    const left = await trx
      .selectFrom("accounts")
      .select((eb) => [
        "sms_second_factor",
        eb
          .exists(
            eb
              .selectFrom("passkeys")
              .select("id")
              .where("owner_kind", "=", "account")
              .where("owner_id", "=", account.id),
          )
          .as("passkey"),
        eb
          .exists(
            eb
              .selectFrom("totp_factors")
              .select("id")
              .where("account_id", "=", account.id)
              .where("confirmed_at", "is not", null),
          )
          .as("app"),
      ])
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    if (!left.sms_second_factor && !left.passkey && !left.app) throw new Problem(409, "passkeys.lastFactor");
  });
}

/**
 * Sign-in with a passkey. No session: both factors at once (no password). A half session: its second
 * factor. A full session of the same account: a step-up to the phishing-resistant level. In each case a
 * new full session with the passkey's methods merged into the amr, level 3, auth_time now.
 */
export async function signInWithPasskey(
  deps: CitizenPasskeyDeps,
  session: ResolvedSession | null,
  body: Body,
  client: Client,
) {
  const now = deps.clock.now();
  let found: Awaited<ReturnType<typeof verifyAssertion>>;
  try {
    found = await verifyAssertion(
      deps,
      "account",
      body.response as AuthenticationResponseJSON,
      session?.accountId ?? null,
    );
  } catch (error) {
    if (error instanceof PasskeyRefused && error.reason === "cloned" && error.passkey) {
      await recordEvent(
        deps.db,
        { accountId: error.passkey.owner_id, nationalId: null, type: "passkey.cloned" },
        client,
        now,
      );
    }
    throw error;
  }
  const accountId = found.passkey.owner_id;
  const account = await deps.db
    .selectFrom("accounts as a")
    .select((eb) => ["a.status", "a.national_id", resetOpen(eb)])
    .where("a.id", "=", accountId)
    .executeTakeFirstOrThrow();
  if (account.status !== "active") {
    throw new Problem(403, `accountNotActive.${account.status}`, { status: account.status });
  }
  const proof = {
    stage: "full" as const,
    amr: withMethods(session?.amr ?? [], found.method, "user"),
    aal: 3 as const,
    authTime: now,
  };
  const opened = session
    ? await replaceSession(deps.db, session, now, deps.sessions, client, proof)
    : await createSession(deps.db, accountId, now, deps.sessions, client, proof);
  // Two completions of one half session in parallel: the other one won.
  if (!opened) throw new Unauthorized();
  await recordEvent(
    deps.db,
    { accountId, nationalId: account.national_id, type: "login.passkey" },
    client,
    now,
  );
  // «این مرورگر را به خاطر بسپار», as after any second factor.
  const device =
    body.rememberBrowser === true ? await rememberBrowser(deps.db, accountId, now, client) : null;
  if (account.reset_open) for (const hook of deps.onFullSignIn ?? []) await hook(accountId, now);
  return { ...opened, device };
}
