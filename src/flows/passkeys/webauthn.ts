// WebAuthn for citizens and staff alike (R-MFA): one relying party, one challenge store, one credential
// table (`owner_kind` tells whose). @simplewebauthn/server checks the signatures; what is ours is kept
// here: challenges are single use and shared by every instance, user verification is always required,
// and a signature counter that does not move forward is refused in the statement that stores it.
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import { sql } from "kysely";
import type { Amr } from "../../domain/authentication-level.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { Problem } from "../../platform/problems.ts";

export type OwnerKind = "account" | "staff";
export type Owner = { kind: OwnerKind; id: string };

/** The site passkeys are bound to: its RP ID (a host name), the origins it answers on, its name. */
export type RelyingParty = {
  id: string;
  origins: string[];
  name: string;
  /** A development address (RP ID localhost): any port of http://localhost is the same site to a browser. */
  anyLocalPort?: boolean;
};

export type PasskeyDeps = { db: Db; clock: Clock; relyingParty: RelyingParty };

/** How long a person has between the options and the authenticator's answer. */
export const CHALLENGE_MINUTES = 5;
/** A passkey's name, as its holder gives it. */
export const NAME_MAX = 60;

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * The relying party of PUBLIC_URL. A browser refuses an IP address as RP ID, and allows plain http
 * only on localhost: on a loopback address (the development default http://127.0.0.1:3000) the RP ID
 * is `localhost` and the pages are opened at http://localhost:<port> (a browser's passkeys for
 * localhost serve every port of it, so any port is accepted there; never in production, whose
 * PUBLIC_URL is https).
 */
export function relyingPartyOf(publicUrl: string, name = "Hoviat"): RelyingParty {
  const url = new URL(publicUrl);
  if (!LOOPBACK.has(url.hostname)) return { id: url.hostname, origins: [url.origin], name };
  const local = new URL(publicUrl);
  local.hostname = "localhost";
  return { id: "localhost", origins: [...new Set([local.origin, url.origin])], name, anyLocalPort: true };
}

/**
 * EdDSA, ES256, RS256: what authenticators make and Node verifies as a matter of course. Left to its
 * default, the library also offers ML-DSA-44 where the runtime has it (experimental in Node), and
 * Chromium then makes 2.4 kB signatures with it.
 */
const ALGORITHMS = [-8, -7, -257];

const bytesOfUuid = (id: string) => Uint8Array.from(Buffer.from(id.replaceAll("-", ""), "hex"));

async function storeChallenge(
  deps: PasskeyDeps,
  purpose: "registration" | "authentication",
  kind: OwnerKind,
  ownerId: string | null,
  challenge: string,
) {
  const now = deps.clock.now();
  await deps.db
    .insertInto("webauthn_challenges")
    .values({
      id: crypto.randomUUID(),
      challenge,
      purpose,
      owner_kind: kind,
      owner_id: ownerId,
      expires_at: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000),
    })
    .execute();
}

/**
 * Spends the challenge the authenticator signed: at most once, before it expires, for the purpose it
 * was issued for. Two requests carrying one challenge: one gets it, the other null.
 */
async function takeChallenge(
  deps: PasskeyDeps,
  purpose: "registration" | "authentication",
  clientDataJSON: unknown,
) {
  const challenge = challengeOf(clientDataJSON);
  if (!challenge) return null;
  const now = deps.clock.now();
  const row = await deps.db
    .updateTable("webauthn_challenges")
    .set({ used_at: now })
    .where("challenge", "=", challenge)
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .returning(["challenge", "owner_kind", "owner_id"])
    .executeTakeFirst();
  return row ?? null;
}

function clientData(clientDataJSON: unknown): { challenge?: unknown; origin?: unknown } | null {
  if (typeof clientDataJSON !== "string" || !isoBase64URL.isBase64URL(clientDataJSON)) return null;
  try {
    const data = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON)) as unknown;
    return data && typeof data === "object" ? data : null;
  } catch {
    return null;
  }
}

function challengeOf(clientDataJSON: unknown): string | null {
  const challenge = clientData(clientDataJSON)?.challenge;
  return typeof challenge === "string" && challenge.length <= 512 ? challenge : null;
}

/** The origins an answer may come from (the page's origin, as the browser wrote it in clientDataJSON). */
function expectedOrigins(rp: RelyingParty, clientDataJSON: unknown): string[] {
  const origin = clientData(clientDataJSON)?.origin;
  const local = typeof origin === "string" && /^http:\/\/localhost(:\d{1,5})?$/.test(origin);
  return rp.anyLocalPort && local ? [origin] : rp.origins;
}

/** Challenges that expired over an hour ago: the worker's sweep deletes them. */
export async function prunePasskeyChallenges(db: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - 3_600_000);
  const deleted = await db
    .deleteFrom("webauthn_challenges")
    .where("expires_at", "<", before)
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

async function credentialsOf(db: Db, owner: Owner) {
  return db
    .selectFrom("passkeys")
    .select(["credential_id", "transports"])
    .where("owner_kind", "=", owner.kind)
    .where("owner_id", "=", owner.id)
    .execute();
}

const descriptor = (row: { credential_id: string; transports: string[] | null }) => ({
  id: row.credential_id,
  ...(row.transports ? { transports: row.transports } : {}),
});

/**
 * Creation options for a new passkey of `owner`: discoverable (resident key required, so it signs in
 * without a name typed first), user verification required, none of the owner's existing ones again.
 */
export async function registrationOptions(
  deps: PasskeyDeps,
  owner: Owner,
  user: { name: string; displayName: string },
) {
  const existing = await credentialsOf(deps.db, owner);
  const options = await generateRegistrationOptions({
    rpName: deps.relyingParty.name,
    rpID: deps.relyingParty.id,
    userID: bytesOfUuid(owner.id),
    userName: user.name,
    userDisplayName: user.displayName,
    timeout: CHALLENGE_MINUTES * 60_000,
    attestationType: "none",
    excludeCredentials: existing.map(descriptor),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: "required",
    },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  await storeChallenge(deps, "registration", owner.kind, owner.id, options.challenge);
  return options;
}

/** A new passkey of `owner` from the authenticator's answer to its creation options; 400 otherwise. */
export async function registerCredential(
  deps: PasskeyDeps,
  owner: Owner,
  response: RegistrationResponseJSON,
  name: string,
) {
  const challenge = await takeChallenge(deps, "registration", response?.response?.clientDataJSON);
  if (!challenge || challenge.owner_kind !== owner.kind || challenge.owner_id !== owner.id) {
    throw new Problem(400, "passkeys.challengeExpired");
  }
  const verified = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge.challenge,
    expectedOrigin: expectedOrigins(deps.relyingParty, response.response.clientDataJSON),
    expectedRPID: deps.relyingParty.id,
    requireUserVerification: true,
    supportedAlgorithmIDs: ALGORITHMS,
  }).catch(() => null);
  if (!verified?.verified) throw new Problem(400, "passkeys.invalid");
  const info = verified.registrationInfo;
  const id = crypto.randomUUID();
  const inserted = await deps.db
    .insertInto("passkeys")
    .values({
      id,
      owner_kind: owner.kind,
      owner_id: owner.id,
      name,
      credential_id: info.credential.id,
      public_key: isoBase64URL.fromBuffer(info.credential.publicKey),
      sign_count: info.credential.counter,
      transports: info.credential.transports ? JSON.stringify(info.credential.transports) : null,
      device_type: info.credentialDeviceType,
      backed_up: info.credentialBackedUp,
      created_at: deps.clock.now(),
    })
    .onConflict((c) => c.column("credential_id").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) throw new Problem(400, "passkeys.alreadyRegistered");
  return { id, name };
}

/**
 * Request options. With an owner (a session is there), that owner's passkeys and the challenge bound
 * to them; without, an empty list: the browser offers the discoverable passkeys it holds.
 */
export async function authenticationOptions(deps: PasskeyDeps, kind: OwnerKind, ownerId: string | null) {
  const allow = ownerId ? await credentialsOf(deps.db, { kind, id: ownerId }) : [];
  const options = await generateAuthenticationOptions({
    rpID: deps.relyingParty.id,
    allowCredentials: allow.map(descriptor),
    userVerification: "required",
    timeout: CHALLENGE_MINUTES * 60_000,
  });
  await storeChallenge(deps, "authentication", kind, ownerId, options.challenge);
  return options;
}

/** Why an assertion was refused (a clone is recorded for the passkey's owner). */
export class PasskeyRefused extends Problem {
  readonly reason: "challenge" | "unknown" | "otherOwner" | "signature" | "cloned";
  readonly passkey?: { id: string; owner_id: string };
  constructor(
    reason: "challenge" | "unknown" | "otherOwner" | "signature" | "cloned",
    passkey?: { id: string; owner_id: string },
  ) {
    super(...PasskeyRefused.answer(reason));
    this.reason = reason;
    this.passkey = passkey;
  }

  private static answer(reason: PasskeyRefused["reason"]): [number, string] {
    if (reason === "challenge") return [401, "passkeys.challengeExpired"];
    // The person holds a passkey of another account than the one signed in: told so, not sent round.
    if (reason === "otherOwner") return [403, "passkeys.otherAccount"];
    return [401, "passkeys.refused"];
  }
}

/**
 * The passkey of `kind` that signed this assertion, with the amr method it stands for (`swk` when it
 * is synced or backed up, `hwk` when bound to one device). `expected`: the owner a session is of.
 */
export async function verifyAssertion(
  deps: PasskeyDeps,
  kind: OwnerKind,
  response: AuthenticationResponseJSON,
  expected: string | null,
): Promise<{ passkey: { id: string; owner_id: string; name: string }; method: Amr }> {
  const challenge = await takeChallenge(deps, "authentication", response?.response?.clientDataJSON);
  if (!challenge || challenge.owner_kind !== kind) throw new PasskeyRefused("challenge");
  const passkey = await deps.db
    .selectFrom("passkeys")
    .selectAll()
    .where("owner_kind", "=", kind)
    .where("credential_id", "=", typeof response.id === "string" ? response.id : "")
    .executeTakeFirst();
  if (!passkey) throw new PasskeyRefused("unknown");
  // Options asked within a session name that session's passkeys; the session at the answer counts too.
  for (const owner of [challenge.owner_id, expected]) {
    if (owner !== null && owner !== passkey.owner_id) throw new PasskeyRefused("otherOwner", passkey);
  }
  const verified = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge.challenge,
    expectedOrigin: expectedOrigins(deps.relyingParty, response.response.clientDataJSON),
    expectedRPID: deps.relyingParty.id,
    // The counter is judged below, in the statement that stores it, so parallel uses cannot both pass.
    credential: {
      id: passkey.credential_id,
      publicKey: isoBase64URL.toBuffer(passkey.public_key),
      counter: 0,
      ...(passkey.transports ? { transports: passkey.transports } : {}),
    },
    requireUserVerification: true,
  }).catch(() => null);
  if (!verified?.verified) throw new PasskeyRefused("signature", passkey);
  const info = verified.authenticationInfo;
  // A counter that is kept (non-zero) must grow: one that stays or goes back is a cloned authenticator.
  const stored = await deps.db
    .updateTable("passkeys")
    .set({
      sign_count: info.newCounter,
      backed_up: info.credentialBackedUp,
      device_type: info.credentialDeviceType,
      last_used_at: deps.clock.now(),
    })
    .where("id", "=", passkey.id)
    .where(
      sql<boolean>`(sign_count < ${info.newCounter} or (sign_count = 0 and ${info.newCounter}::bigint = 0))`,
    )
    .returning("id")
    .executeTakeFirst();
  if (!stored) throw new PasskeyRefused("cloned", passkey);
  const synced = info.credentialBackedUp || info.credentialDeviceType === "multiDevice";
  return {
    passkey: { id: passkey.id, owner_id: passkey.owner_id, name: passkey.name },
    method: synced ? "swk" : "hwk",
  };
}

/** The owner's passkeys as the account and console pages list them. */
export async function listPasskeys(db: Db, owner: Owner) {
  const rows = await db
    .selectFrom("passkeys")
    .select(["id", "name", "created_at", "last_used_at", "device_type", "backed_up"])
    .where("owner_kind", "=", owner.kind)
    .where("owner_id", "=", owner.id)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    deviceType: r.device_type,
    backedUp: r.backed_up,
  }));
}

/** The owner's passkey `id`, or 404 (an id of someone else's is not found either). */
export async function ownPasskey(db: Db, owner: Owner, id: string) {
  const row = /^[0-9a-f-]{36}$/i.test(id)
    ? await db
        .selectFrom("passkeys")
        .select(["id", "name"])
        .where("id", "=", id)
        .where("owner_kind", "=", owner.kind)
        .where("owner_id", "=", owner.id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new Problem(404, "passkeys.notFound");
  return row;
}

/** A name as typed, trimmed; `fallback` when none. */
export function passkeyName(value: unknown, fallback: string): string {
  const name = typeof value === "string" ? value.replace(/\s+/g, " ").trim() : "";
  return (name || fallback).slice(0, NAME_MAX);
}
