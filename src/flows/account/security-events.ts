// The append-only record of what happened to an account (issue 5 extends it to staff actions).
import type { Transaction } from "kysely";
import type { Db } from "../../platform/database.ts";
import type { Database } from "../../platform/schema.ts";

/** `staff` is set when a staff member acts: the holder then sees the branch, not the operator's device. */
export type Client = { ip: string | null; userAgent: string | null; staff?: { branchId: string | null } };

export async function recordEvent(
  db: Db | Transaction<Database>,
  event: { accountId: string | null; nationalId: string | null; type: string },
  client: Client,
  now: Date,
): Promise<void> {
  await db
    .insertInto("security_events")
    .values(securityEventRow(event, client, now))
    .execute();
}

/** The row of one event, for a statement that writes it beside other rows (a sign-in's session). */
export function securityEventRow(
  event: { accountId: string | null; nationalId: string | null; type: string },
  client: Client,
  now: Date,
) {
  return {
    id: crypto.randomUUID(),
    account_id: event.accountId,
    national_id: event.nationalId,
    type: event.type,
    // An operator's address and browser are theirs, not the citizen's: the audit log keeps them.
    ip: client.staff ? null : client.ip,
    user_agent: client.staff ? null : (client.userAgent?.slice(0, 300) ?? null),
    by_staff: Boolean(client.staff),
    branch_id: client.staff?.branchId ?? null,
    created_at: now,
  };
}

/** The account holder's own record, newest first: what happened, when, and from where. */
export async function listSecurityEvents(db: Db, accountId: string, limit = 50) {
  const rows = await db
    .selectFrom("security_events")
    .leftJoin("branches", "branches.id", "security_events.branch_id")
    .select([
      "security_events.id",
      "type",
      "ip",
      "user_agent",
      "by_staff",
      "branches.name as branch",
      "security_events.created_at",
    ])
    .where("account_id", "=", accountId)
    .orderBy("security_events.created_at", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    at: r.created_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    /** Done by staff: `branch` is the branch's name (null for the head office's administrators). */
    byStaff: r.by_staff,
    branch: r.branch,
  }));
}
