// Staff sessions and the authorisation rule every /api/staff route declares. A session starts at the
// `totp` stage once the password is right and becomes `full` only with a valid TOTP code.
import type { FastifyRequest } from "fastify";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { Problem, Unauthorized } from "../../platform/problems.ts";
import { hashToken, newToken } from "../../platform/tokens.ts";
import { admit, admittedStaff, noteSession, type StaffContext } from "./context.ts";

export type { StaffContext };

export const STAFF_COOKIE = "hoviat_staff";
/** Between the password and the TOTP code: long enough to open the authenticator app. */
export const TOTP_STAGE_MINUTES = 5;

export type StaffSessionPolicy = { idleMinutes: number; absoluteHours: number };

/** The RFC 8176 methods of a staff sign-in by password and authenticator app (the default). */
export const PASSWORD_AND_TOTP = ["mfa", "otp", "pwd"];

export async function createStaffSession(
  db: Db,
  staffId: string,
  stage: "totp" | "full",
  now: Date,
  policy: StaffSessionPolicy,
  client: { ip: string | null; userAgent: string | null },
  amr: string[] = stage === "totp" ? ["pwd"] : PASSWORD_AND_TOTP,
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken();
  const ms = stage === "totp" ? TOTP_STAGE_MINUTES * 60_000 : policy.absoluteHours * 3_600_000;
  const expiresAt = new Date(now.getTime() + ms);
  await db
    .insertInto("staff_sessions")
    .values({
      id_hash: hashToken(token),
      staff_id: staffId,
      stage,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      ip: client.ip,
      user_agent: client.userAgent?.slice(0, 300) ?? null,
      amr: JSON.stringify(amr),
    })
    .execute();
  return { token, expiresAt };
}

export async function revokeStaffSession(db: Db, idHash: string, now: Date): Promise<void> {
  await db
    .updateTable("staff_sessions")
    .set({ revoked_at: now })
    .where("id_hash", "=", idHash)
    .where("revoked_at", "is", null)
    .execute();
}

/** Rows of sessions that ended (expired or revoked) over a day ago: the worker's sweep deletes them. */
export async function pruneStaffSessions(db: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - 86_400_000);
  const deleted = await db
    .deleteFrom("staff_sessions")
    .where((eb) =>
      eb.or([eb("expires_at", "<", before), eb("revoked_at", "<", before), eb("last_seen_at", "<", before)]),
    )
    .executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** The staff member of a live session of an active account, touching its idle clock; else null. */
async function resolveStaffSession(
  db: Db,
  token: string,
  now: Date,
  policy: StaffSessionPolicy,
): Promise<StaffContext | null> {
  const staff = await readStaffSession(db, token, now, policy);
  if (staff && staff.idleMs > 30_000) {
    await db
      .updateTable("staff_sessions")
      .set({ last_seen_at: now })
      .where("id_hash", "=", staff.idHash)
      .execute();
  }
  return staff && withoutIdle(staff);
}

const withoutIdle = ({ idleMs: _, ...staff }: StaffContext & { idleMs: number }): StaffContext => staff;

/**
 * The staff member of a live session of an active account, or null, read only: a request refused
 * before any rule ran (another site's POST) is still audited under the name of the session it carried.
 */
export async function readStaffSession(
  db: Db,
  token: string,
  now: Date,
  policy: StaffSessionPolicy,
): Promise<(StaffContext & { idleMs: number }) | null> {
  const idHash = hashToken(token);
  const row = await db
    .selectFrom("staff_sessions")
    .innerJoin("staff", "staff.id", "staff_sessions.staff_id")
    .select([
      "staff.id",
      "username",
      "name",
      "role",
      "branch_id",
      "staff.status",
      "password_must_change",
      "stage",
      "amr",
      "staff_sessions.created_at",
      "last_seen_at",
      "expires_at",
      "revoked_at",
    ])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom("passkeys")
            .select("passkeys.id")
            .where("owner_kind", "=", "staff")
            .whereRef("owner_id", "=", "staff.id"),
        )
        .as("has_passkey"),
    )
    .where("id_hash", "=", idHash)
    .executeTakeFirst();
  if (!row || row.revoked_at || row.expires_at <= now || row.status !== "active") return null;
  const idleMs = now.getTime() - row.last_seen_at.getTime();
  if (idleMs > policy.idleMinutes * 60_000) return null;
  const { id, username, name, role, branch_id: branchId, stage, amr } = row;
  return {
    id,
    username,
    name,
    role,
    branchId,
    stage,
    mustChangePassword: row.password_must_change,
    // R-MFA: administrators need a passkey; one without is led to enrol before any other action.
    passkeyRequired: role === "admin" && !row.has_passkey,
    amr,
    createdAt: row.created_at,
    idHash,
    idleMs,
  };
}

/** The staff member the route's rule admitted (only after a rule other than `public`). */
export function staffOf(request: FastifyRequest): StaffContext {
  const staff = admittedStaff(request);
  if (!staff) throw new Unauthorized();
  return staff;
}

export type RuleName =
  | "public"
  | "optionalSession"
  | "pendingTotp"
  | "anySession"
  | "signedIn"
  | "staff"
  | "operator"
  | "admin";
export const RULE_PREFIX = "staffRule_";

const admits: Record<Exclude<RuleName, "public" | "optionalSession">, (s: StaffContext) => boolean> = {
  pendingTotp: (s) => s.stage === "totp",
  anySession: () => true,
  signedIn: (s) => s.stage === "full",
  staff: (s) => s.stage === "full",
  operator: (s) => s.stage === "full" && s.role === "branch_operator" && s.branchId !== null,
  admin: (s) => s.stage === "full" && s.role === "admin",
};
/** Rules that admit a member whose handed-over password is still unchanged (to change it). */
const BEFORE_PASSWORD_CHANGE = new Set<RuleName>(["pendingTotp", "anySession", "signedIn"]);
/** The same rules admit an administrator who has no passkey yet (to enrol one). */
const BEFORE_PASSKEY = BEFORE_PASSWORD_CHANGE;

/**
 * The authorisation rule of a console route, as its onRequest hook. The hook's name carries the rule,
 * so a test can list every /api/staff route and fail on one that declares none.
 */
export function staffRules(deps: { db: Db; clock: Clock; policy: StaffSessionPolicy }) {
  const make = (name: RuleName): ((request: FastifyRequest) => Promise<void>) => {
    const hook = async (request: FastifyRequest) => {
      if (name === "public") return;
      const token = request.cookies[STAFF_COOKIE];
      const staff = token ? await resolveStaffSession(deps.db, token, deps.clock.now(), deps.policy) : null;
      // The passkey sign-in: a session of any stage is taken into account when there is one.
      if (name === "optionalSession") {
        if (staff) admit(request, staff);
        return;
      }
      if (!staff) throw new Unauthorized();
      noteSession(request, staff);
      if (!admits[name](staff)) throw new Problem(403, "staff.forbidden");
      if (staff.mustChangePassword && !BEFORE_PASSWORD_CHANGE.has(name)) {
        throw new Problem(403, "staff.passwordChangeRequired");
      }
      if (staff.passkeyRequired && staff.stage === "full" && !BEFORE_PASSKEY.has(name)) {
        throw new Problem(403, "staff.passkeyRequired");
      }
      admit(request, staff);
    };
    Object.defineProperty(hook, "name", { value: `${RULE_PREFIX}${name}` });
    return hook;
  };
  return {
    public: make("public"),
    optionalSession: make("optionalSession"),
    pendingTotp: make("pendingTotp"),
    anySession: make("anySession"),
    signedIn: make("signedIn"),
    staff: make("staff"),
    operator: make("operator"),
    admin: make("admin"),
  };
}
export type StaffRules = ReturnType<typeof staffRules>;
