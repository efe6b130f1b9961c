// Server-side sessions: the cookie holds 256 random bits, the database only their SHA-256.
import { type Db, prepared } from "../../platform/database.ts";
import { hashToken, newToken } from "../../platform/tokens.ts";

export const SESSION_COOKIE = "hoviat_session";

export type SessionPolicy = { idleMinutes: number; absoluteHours: number };

export async function createSession(
  db: Db,
  accountId: string,
  now: Date,
  policy: SessionPolicy,
  client: { ip: string | null; userAgent: string | null },
): Promise<{ token: string; expiresAt: Date }> {
  const session = newSession(accountId, now, policy, client);
  await db.insertInto("sessions").values(session.row).execute();
  return { token: session.token, expiresAt: session.expiresAt };
}

/** A fresh session: the token for the cookie and the row to store (only the token's hash). */
export function newSession(
  accountId: string,
  now: Date,
  policy: SessionPolicy,
  client: { ip: string | null; userAgent: string | null },
) {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + policy.absoluteHours * 3_600_000);
  const row = {
    id_hash: hashToken(token),
    account_id: accountId,
    created_at: now,
    last_seen_at: now,
    expires_at: expiresAt,
    ip: client.ip,
    user_agent: client.userAgent?.slice(0, 300) ?? null,
  };
  return { token, expiresAt, row };
}

/** The account of a live session, touching its idle clock; null when unknown, revoked or timed out. */
export async function resolveSession(db: Db, token: string, now: Date, policy: SessionPolicy) {
  const idHash = hashToken(token);
  // Every signed-in page asks this: prepared by name (decision 014).
  const read = db
    .selectFrom("sessions")
    .select(["account_id", "last_seen_at", "expires_at", "revoked_at"])
    .where("id_hash", "=", idHash)
    .compile();
  const session = (await db.executeQuery(prepared("session.resolve", read))).rows[0];
  if (!session || session.revoked_at || session.expires_at <= now) return null;
  if (now.getTime() - session.last_seen_at.getTime() > policy.idleMinutes * 60_000) return null;
  // Touch at most once a minute: a read of every page should not be a write of every page.
  if (now.getTime() - session.last_seen_at.getTime() > 60_000) {
    await db.updateTable("sessions").set({ last_seen_at: now }).where("id_hash", "=", idHash).execute();
  }
  return { accountId: session.account_id, idHash };
}

export async function revokeSession(db: Db, token: string, now: Date): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("id_hash", "=", hashToken(token))
    .where("revoked_at", "is", null)
    .execute();
}
