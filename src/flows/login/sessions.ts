// Server-side sessions: the cookie holds 256 random bits, the database only their SHA-256.
// A session is a half session (stage 'second_factor': password given, second factor due, R-MFA)
// or a full one, and records how the person signed in (amr, aal) for the e-services (R-SSO).
import type { Transaction } from "kysely";
import type { Aal } from "../../domain/authentication-level.ts";
import { USER_AGENT_MAX } from "../../domain/device.ts";
import { type Db, prepared } from "../../platform/database.ts";
import type { Database, SessionStage } from "../../platform/schema.ts";
import { hashToken, newToken } from "../../platform/tokens.ts";
import { type Client, recordEvent } from "../account/security-events.ts";

export const SESSION_COOKIE = "hoviat_session";

export type SessionPolicy = { idleMinutes: number; absoluteHours: number };

/** How the session was reached: a full sign-in by default; `authTime` defaults to now. */
export type SessionProof = { stage: SessionStage; amr: string[]; aal: Aal; authTime?: Date };
const FULL_BY_PASSWORD: SessionProof = { stage: "full", amr: ["pwd"], aal: 1 };
/** A half session lives only as long as a sign-in code: long enough to type it, no more. */
export const HALF_SESSION_MINUTES = 15;

export async function createSession(
  db: Db,
  accountId: string,
  now: Date,
  policy: SessionPolicy,
  client: { ip: string | null; userAgent: string | null },
  proof: SessionProof = FULL_BY_PASSWORD,
): Promise<{ token: string; expiresAt: Date }> {
  const session = newSession(accountId, now, policy, client, proof);
  await db.insertInto("sessions").values(session.row).execute();
  return { token: session.token, expiresAt: session.expiresAt };
}

/** A fresh session: the token for the cookie and the row to store (only the token's hash). */
export function newSession(
  accountId: string,
  now: Date,
  policy: SessionPolicy,
  client: { ip: string | null; userAgent: string | null },
  proof: SessionProof = FULL_BY_PASSWORD,
) {
  const token = newToken();
  const lifetimeMs =
    proof.stage === "full" ? policy.absoluteHours * 3_600_000 : HALF_SESSION_MINUTES * 60_000;
  const expiresAt = new Date(now.getTime() + lifetimeMs);
  const row = {
    id_hash: hashToken(token),
    account_id: accountId,
    created_at: now,
    last_seen_at: now,
    expires_at: expiresAt,
    ip: client.ip,
    user_agent: client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
    stage: proof.stage,
    amr: JSON.stringify(proof.amr),
    aal: proof.aal,
    auth_time: proof.authTime ?? now,
  };
  return { token, expiresAt, row };
}

export type ResolvedSession = {
  accountId: string;
  idHash: string;
  stage: SessionStage;
  amr: string[];
  aal: Aal;
  authTime: Date;
  /** When this session row began: a second factor given at its start is "fresh" for a while. */
  createdAt: Date;
};

/**
 * The account of a live session (full or half: callers that serve a signed-in person use
 * requireSession, which refuses half sessions), touching its idle clock; null when unknown, revoked
 * or timed out.
 */
export async function resolveSession(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy,
): Promise<ResolvedSession | null> {
  const idHash = hashToken(token);
  // Every signed-in page asks this: prepared by name (decision 014).
  const read = db
    .selectFrom("sessions")
    .select([
      "account_id",
      "last_seen_at",
      "expires_at",
      "revoked_at",
      "stage",
      "amr",
      "aal",
      "auth_time",
      "created_at",
    ])
    .where("id_hash", "=", idHash)
    .compile();
  const session = (await db.executeQuery(prepared("session.resolve", read))).rows[0];
  if (!session || session.revoked_at || session.expires_at <= now) return null;
  const idleEnd = new Date(session.last_seen_at.getTime() + policy.idleMinutes * 60_000);
  if (now > idleEnd) {
    await endSession(db, idHash, idleEnd, "session.idleEnded");
    return null;
  }
  // Touch at most once a minute: a read of every page should not be a write of every page.
  if (now.getTime() - session.last_seen_at.getTime() > 60_000) {
    await db.updateTable("sessions").set({ last_seen_at: now }).where("id_hash", "=", idHash).execute();
  }
  return {
    accountId: session.account_id,
    idHash,
    stage: session.stage,
    amr: session.amr,
    aal: session.aal as Aal,
    authTime: session.auth_time ?? session.last_seen_at,
    createdAt: session.created_at,
  };
}

/**
 * Ends a session and opens a new one in its place with the proof now reached (a second factor given,
 * a step-up): a new token, so that a cookie seen before the second factor is worth nothing after it.
 */
export async function replaceSession(
  db: Db,
  previous: { idHash: string; accountId: string },
  now: Date,
  policy: SessionPolicy,
  client: { ip: string | null; userAgent: string | null },
  proof: SessionProof,
): Promise<{ token: string; expiresAt: Date } | null> {
  const next = newSession(previous.accountId, now, policy, client, proof);
  return db.transaction().execute(async (trx) => {
    // Only one of two parallel completions of the same half session gets a session.
    const ended = await trx
      .updateTable("sessions")
      .set({ revoked_at: now })
      .where("id_hash", "=", previous.idHash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(ended.numUpdatedRows) !== 1) return null;
    await trx.insertInto("sessions").values(next.row).execute();
    return { token: next.token, expiresAt: next.expiresAt };
  });
}

/** A logout: the session ends, and a full one is a security event («خروج از حساب»). */
export async function revokeSession(db: Db, token: string, now: Date, reason: "logout" | "idle" = "logout") {
  await endSession(db, hashToken(token), now, reason === "idle" ? "session.idleEnded" : "session.loggedOut");
}

/**
 * Ends one session; when it was a live full one, records `type` with the session's own address and
 * browser (the device that ended). Once: a session already ended records nothing again.
 */
export async function endSession(
  db: Db,
  where: string | { publicId: string; accountId: string },
  at: Date,
  type: "session.loggedOut" | "session.idleEnded" | "session.revoked",
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    let update = trx.updateTable("sessions").set({ revoked_at: at }).where("revoked_at", "is", null);
    update =
      typeof where === "string"
        ? update.where("id_hash", "=", where)
        : update.where("public_id", "=", where.publicId).where("account_id", "=", where.accountId);
    const ended = await update.returning(["account_id", "stage", "ip", "user_agent"]).executeTakeFirst();
    if (!ended) return false;
    if (ended.stage === "full") {
      const client = { ip: ended.ip, userAgent: ended.user_agent };
      await recordEvent(trx, { accountId: ended.account_id, nationalId: null, type }, client, at);
    }
    return true;
  });
}

/**
 * Ends every live session of an account but `keep` (a password change keeps the one that made it);
 * the full ones that ended are one security event with their count (none when no session ended).
 */
export async function endAccountSessions(
  trx: Transaction<Database>,
  account: { id: string; nationalId: string | null },
  now: Date,
  event: { type: string; client: Client; keep?: string },
) {
  let update = trx
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("account_id", "=", account.id)
    .where("revoked_at", "is", null);
  if (event.keep) update = update.where("id_hash", "!=", event.keep);
  const ended = await update.returning("stage").execute();
  const count = ended.filter((s) => s.stage === "full").length;
  if (count > 0) {
    const row = { accountId: account.id, nationalId: account.nationalId, type: event.type, count };
    await recordEvent(trx, row, event.client, now);
  }
}
