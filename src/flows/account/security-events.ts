// The append-only record of what happened to an account (issue 5 extends it to staff actions).
import type { Transaction } from "kysely";
import type { Db } from "../../platform/database.ts";
import type { Database } from "../../platform/schema.ts";

export type Client = { ip: string | null; userAgent: string | null };

export async function recordEvent(
  db: Db | Transaction<Database>,
  event: { accountId: string | null; nationalId: string | null; type: string },
  client: Client,
  now: Date,
): Promise<void> {
  await db
    .insertInto("security_events")
    .values({
      id: crypto.randomUUID(),
      account_id: event.accountId,
      national_id: event.nationalId,
      type: event.type,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 300) ?? null,
      created_at: now,
    })
    .execute();
}

/** The account holder's own record, newest first: what happened, when, and from where. */
export async function listSecurityEvents(db: Db, accountId: string, limit = 50) {
  const rows = await db
    .selectFrom("security_events")
    .select(["id", "type", "ip", "user_agent", "created_at"])
    .where("account_id", "=", accountId)
    .orderBy("created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    at: r.created_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
  }));
}
