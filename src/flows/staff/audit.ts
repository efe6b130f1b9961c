// The audit trail of staff actions (R-BRANCH): appended in the transaction of the action it records,
// never updated or deleted (a trigger enforces it), read by admins only.
import type { FastifyRequest } from "fastify";
import type { Transaction } from "kysely";
import type { Db } from "../../platform/database.ts";
import type { Database } from "../../platform/schema.ts";
import { admittedStaff } from "./context.ts";

export type Actor = { id: string; username: string; role: string; branchId: string | null } | null;
export type Client = { ip: string | null; userAgent: string | null; staff?: { branchId: string | null } };

/** The request's client; once a rule admitted a staff member, it says so (and from which branch). */
export const clientOf = (request: FastifyRequest): Client => {
  const staff = admittedStaff(request);
  return {
    ip: request.ip,
    userAgent: request.headers["user-agent"] ?? null,
    ...(staff ? { staff: { branchId: staff.branchId } } : {}),
  };
};

export type AuditEntry = {
  action: string;
  targetNationalId?: string | null;
  result?: "ok" | "refused" | "failed";
  details?: Record<string, unknown>;
};

export async function recordAudit(
  db: Db | Transaction<Database>,
  actor: Actor,
  entry: AuditEntry,
  client: Client,
  now: Date,
): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      id: crypto.randomUUID(),
      actor_id: actor?.id ?? null,
      actor_username: actor?.username ?? null,
      actor_role: actor?.role ?? null,
      branch_id: actor?.branchId ?? null,
      action: entry.action,
      target_national_id: entry.targetNationalId ?? null,
      created_at: now,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 300) ?? null,
      result: entry.result ?? "ok",
      details: entry.details ? JSON.stringify(entry.details) : null,
    })
    .execute();
}

export type AuditQuery = { nationalId?: string; actor?: string; from?: Date; to?: Date; limit?: number };

export async function searchAudit(db: Db, query: AuditQuery) {
  let q = db
    .selectFrom("audit_log")
    .leftJoin("branches", "branches.id", "audit_log.branch_id")
    .select([
      "audit_log.id",
      "actor_username",
      "actor_role",
      "branches.code as branch_code",
      "action",
      "target_national_id",
      "audit_log.created_at",
      "ip",
      "user_agent",
      "result",
      "details",
    ]);
  if (query.nationalId) q = q.where("target_national_id", "=", query.nationalId);
  if (query.actor) q = q.where("actor_username", "=", query.actor);
  if (query.from) q = q.where("audit_log.created_at", ">=", query.from);
  if (query.to) q = q.where("audit_log.created_at", "<", query.to);
  const rows = await q
    .orderBy("audit_log.created_at", "desc")
    .orderBy("audit_log.seq", "desc")
    .limit(query.limit ?? 200)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    actor: r.actor_username,
    role: r.actor_role,
    branch: r.branch_code,
    action: r.action,
    nationalId: r.target_national_id,
    at: r.created_at.toISOString(),
    ip: r.ip,
    userAgent: r.user_agent,
    result: r.result,
    details: r.details,
  }));
}
