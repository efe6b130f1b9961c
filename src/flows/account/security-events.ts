// The append-only record of what happened to an account (issue 5 extends it to staff actions), and
// the summary of its failed sign-ins beside it.
import { sql, type Transaction } from "kysely";
import { type Device, USER_AGENT_MAX } from "../../domain/device.ts";
import { deviceOf } from "../../domain/user-agent.ts";
import type { Db } from "../../platform/database.ts";
import type { Database, SignInStep } from "../../platform/schema.ts";

/** `staff` is set when a staff member acts: the holder then sees the branch, not the operator's device. */
export type Client = { ip: string | null; userAgent: string | null; staff?: { branchId: string | null } };

type Event = {
  accountId: string | null;
  nationalId: string | null;
  type: string;
  /** How many sessions the event ended, for those that end several at once. */
  count?: number;
};

export async function recordEvent(
  db: Db | Transaction<Database>,
  event: Event,
  client: Client,
  now: Date,
): Promise<void> {
  await db
    .insertInto("security_events")
    .values(securityEventRow(event, client, now))
    .execute();
}

/** The row of one event, for a statement that writes it beside other rows (a sign-in's session). */
export function securityEventRow(event: Event, client: Client, now: Date) {
  return {
    id: crypto.randomUUID(),
    account_id: event.accountId,
    national_id: event.nationalId,
    type: event.type,
    // An operator's address and browser are theirs, not the citizen's: the audit log keeps them.
    ip: client.staff ? null : client.ip,
    user_agent: client.staff ? null : (client.userAgent?.slice(0, USER_AGENT_MAX) ?? null),
    by_staff: Boolean(client.staff),
    branch_id: client.staff?.branchId ?? null,
    created_at: now,
    count: event.count ?? null,
  };
}

/** Failed sign-ins are summarised per account and clock hour: «۳ تلاش ناموفق برای ورود با گذرواژه». */
export const FAILURE_WINDOW_MS = 3_600_000;

/**
 * One more failed sign-in of an account at `step` (a wrong password, or a wrong code at the second
 * step): its hour's row is written or its count raised, in one statement, so that parallel guesses
 * neither lose a count nor add a row.
 */
export async function recordSignInFailure(
  db: Db,
  accountId: string,
  client: Client,
  now: Date,
  step: SignInStep = "password",
) {
  const windowStart = new Date(now.getTime() - (now.getTime() % FAILURE_WINDOW_MS));
  const userAgent = client.userAgent?.slice(0, USER_AGENT_MAX) ?? null;
  await db
    .insertInto("sign_in_failures")
    .values({
      account_id: accountId,
      step,
      window_start: windowStart,
      count: 1,
      first_at: now,
      last_at: now,
      ip: client.ip,
      user_agent: userAgent,
    })
    .onConflict((c) =>
      c.columns(["account_id", "step", "window_start"]).doUpdateSet({
        count: sql`sign_in_failures.count + 1`,
        last_at: sql`greatest(sign_in_failures.last_at, excluded.last_at)`,
        ip: sql`excluded.ip`,
        user_agent: sql`excluded.user_agent`,
      }),
    )
    .execute();
}

export type SecurityEventView = {
  id: string;
  type: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
  /** The browser and operating system the user agent names (null: it names neither). */
  device: Device | null;
  /** Failed sign-ins of the hour, or sessions ended at once; null for other events. */
  count: number | null;
  /** Done by staff: `branch` is the branch's name (null for the head office's administrators). */
  byStaff: boolean;
  branch: string | null;
};

/** The account holder's own record, newest first: what happened, when, and from where. */
export async function listSecurityEvents(
  db: Db,
  accountId: string,
  limit = 50,
): Promise<SecurityEventView[]> {
  const [rows, failures] = await Promise.all([
    db
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
        "security_events.count",
      ])
      .where("account_id", "=", accountId)
      .orderBy("security_events.created_at", "desc")
      .limit(limit)
      .execute(),
    db
      .selectFrom("sign_in_failures")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("last_at", "desc")
      .limit(limit)
      .execute(),
  ]);
  const events: SecurityEventView[] = rows.map((r) => ({
    id: r.id,
    type: r.type,
    at: r.created_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    device: deviceOf(r.user_agent),
    count: r.count,
    byStaff: r.by_staff,
    branch: r.branch,
  }));
  for (const f of failures) {
    events.push({
      id: `login.failed:${f.step}:${f.window_start.toISOString()}`,
      type: f.step === "code" ? "login.codeFailed" : "login.failed",
      at: f.last_at.toISOString(),
      ip: f.ip,
      userAgent: f.user_agent,
      device: deviceOf(f.user_agent),
      count: f.count,
      byStaff: false,
      branch: null,
    });
  }
  return events.sort((a, b) => b.at.localeCompare(a.at)).slice(0, limit);
}
