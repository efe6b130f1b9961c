// «این مرورگر را به خاطر بسپار» (R-MFA): after a second factor, a browser may skip it for 30 days, for
// that account only. The hoviat_device cookie holds 256 random bits; the database keeps their SHA-256.
// Forgotten at a password reset, a change of mobile and an administrator's lock.

import type { Transaction } from "kysely";
import { USER_AGENT_MAX } from "../../domain/device.ts";
import { deviceOf } from "../../domain/user-agent.ts";
import { type Db, prepared } from "../../platform/database.ts";
import type { Database } from "../../platform/schema.ts";
import { hashToken, newToken } from "../../platform/tokens.ts";

export const DEVICE_COOKIE = "hoviat_device";
export const REMEMBER_DAYS = 30;

type Client = { ip: string | null; userAgent: string | null };

/** A new remembered browser of `accountId`: the cookie's token and when it ends. */
export async function rememberBrowser(
  db: Db | Transaction<Database>,
  accountId: string,
  now: Date,
  client: Client,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(now.getTime() + REMEMBER_DAYS * 86_400_000);
  await db
    .insertInto("remembered_browsers")
    .values({
      id: crypto.randomUUID(),
      account_id: accountId,
      token_hash: hashToken(token),
      created_at: now,
      expires_at: expiresAt,
      last_used_at: now,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
    })
    .execute();
  return { token, expiresAt };
}

/** The id of the live remembered browser of this cookie for this account (touched), or null. */
export async function useRememberedBrowser(
  db: Db,
  accountId: string,
  token: string | undefined,
  now: Date,
): Promise<string | null> {
  if (!token) return null;
  const touch = db
    .updateTable("remembered_browsers")
    .set({ last_used_at: now })
    .where("token_hash", "=", hashToken(token))
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .returning("id")
    .compile();
  // Every sign-in from a remembered browser: prepared by name (decision 014).
  const row = (await db.executeQuery(prepared("login.rememberedBrowser", touch))).rows[0];
  return row?.id ?? null;
}

export async function listRememberedBrowsers(
  db: Db,
  accountId: string,
  currentToken: string | undefined,
  now: Date,
) {
  const current = currentToken ? hashToken(currentToken) : null;
  const rows = await db
    .selectFrom("remembered_browsers")
    .select(["id", "token_hash", "created_at", "last_used_at", "expires_at", "ip", "user_agent"])
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    current: r.token_hash === current,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    expiresAt: r.expires_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    device: deviceOf(r.user_agent),
  }));
}

/** Forgets one remembered browser of the account; false when there was none live. */
export async function revokeRememberedBrowser(
  db: Db | Transaction<Database>,
  accountId: string,
  id: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .updateTable("remembered_browsers")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Every browser of the account asks the second factor again (a password reset, a new mobile, a lock). */
export async function forgetRememberedBrowsers(
  db: Db | Transaction<Database>,
  accountId: string,
  now: Date,
): Promise<void> {
  await db
    .updateTable("remembered_browsers")
    .set({ revoked_at: now })
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .execute();
}
