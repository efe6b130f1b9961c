// Staff sign-in: password (argon2id, the same dummy-hash path for unknown usernames), then a TOTP code
// (enrolled at the first sign-in). Failures of either count on the username like citizens' logins:
// challenges past the allowance, and at the cap an administrator's unlock plus an alert to admins.
import { randomInt } from "node:crypto";
import { commonPasswords } from "../../domain/common-passwords.ts";
import { validatePasswordPair } from "../../domain/password-policy.ts";
import {
  type Attempt,
  reserveFlat,
  type SignInAttempts,
  type SignInPolicy,
} from "../../platform/attempts.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { cleanCode } from "../../platform/one-time-codes.ts";
import { dummyHash, hashSecret, verifySecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, Unauthorized } from "../../platform/problems.ts";
import type { StaffRole } from "../../platform/schema.ts";
import { groupSecret, matchTotp, newTotpSecret, otpauthUri, qrSvg, sealSecret } from "../../platform/totp.ts";
import { ACCOUNT_LIMITS, FRESH_FACTOR_MS } from "../account/service.ts";
import { LOGIN_ID_POLICY } from "../login/service.ts";
import { type Actor, type Client, recordAudit } from "./audit.ts";
import {
  createStaffSession,
  revokeStaffSession,
  type StaffContext,
  type StaffSessionPolicy,
} from "./sessions.ts";

import { openStaffSecret } from "./totp-keys.ts";

export const TOTP_ISSUER = "Hoviat";

export type StaffDeps = {
  db: Db;
  clock: Clock;
  rateLimits: boolean;
  secretKey: string;
  secretKeys: readonly string[];
  policy: StaffSessionPolicy;
  attempts: SignInAttempts;
  /** The admins' alert when a username reaches the cap (a log line; the audit entry is written here). */
  alert?: (username: string) => void;
};

export const STAFF_LOGIN_POLICY: SignInPolicy = {
  ...LOGIN_ID_POLICY,
  capCode: "staff.login.adminRequired",
};
export const STAFF_ADDRESS_RULE = {
  scope: "staff-login",
  threshold: 50,
  windowMs: 15 * 60_000,
  counts: "failures" as const,
  // 401 wrong password; 400 a wrong or missing TOTP code.
  failureStatuses: [400, 401],
};

const USERNAME = /^[a-z][a-z0-9._-]{2,31}$/;
export const staffLoginKey = (username: string) => `staff-login:user:${username}`;

/** Reserved before the secret is compared (a burst of guesses cannot all be judged). */
async function reserve(deps: StaffDeps, username: string, solvedLevel: number) {
  return deps.rateLimits ? deps.attempts.reserve(staffLoginKey(username), solvedLevel) : null;
}

async function failed(deps: StaffDeps, attempt: Attempt | null, username: string, client: Client) {
  if (!attempt?.reachesCap) return;
  await recordAudit(
    deps.db,
    null,
    { action: "staff.login.capped", result: "refused", details: { username, failures: attempt.count } },
    client,
    deps.clock.now(),
  );
  deps.alert?.(username);
}

export type PasswordStep = {
  token: string;
  expiresAt: Date;
  next: "totp" | "enrol";
  /** The second factors the member may give: the app's code, and a passkey once they have one. */
  methods: ("totp" | "passkey")[];
  enrolment?: { secret: string; otpauthUri: string; qrSvg: string };
};

export async function staffPasswordStep(
  deps: StaffDeps,
  body: { username?: unknown; password?: unknown },
  client: Client,
  solvedLevel = 0,
): Promise<PasswordStep> {
  const username = typeof body.username === "string" ? body.username.trim().toLowerCase() : "";
  const password = typeof body.password === "string" ? body.password : "";
  if (!username) throw new InvalidInput([{ field: "username", code: "staff.username.required" }]);
  if (!password) throw new InvalidInput([{ field: "password", code: "password.required" }]);
  const attempt = await reserve(deps, username, solvedLevel);
  const now = deps.clock.now();
  const staff = await deps.db
    .selectFrom("staff")
    .selectAll()
    .where("username", "=", username)
    .executeTakeFirst();
  const matches = await verifySecret(staff?.password_hash ?? (await dummyHash()), password);
  if (!staff || !matches) {
    await failed(deps, attempt, username, client);
    await recordAudit(
      deps.db,
      null,
      { action: "staff.login", result: "failed", details: { username } },
      client,
      now,
    );
    throw new Unauthorized("invalidCredentials");
  }
  // Not counted, not forgotten either: the streak ends only with a right TOTP code.
  await attempt?.release();
  const actor = actorOf(staff);
  if (staff.status !== "active") {
    await recordAudit(deps.db, actor, { action: "staff.login", result: "refused" }, client, now);
    throw new Problem(403, "staff.locked");
  }
  let enrolment: PasswordStep["enrolment"];
  if (!staff.totp_enrolled_at) {
    // A fresh secret at each sign-in until a first code proves the authenticator holds it.
    const secret = newTotpSecret();
    await deps.db
      .updateTable("staff")
      .set({ totp_secret: sealSecret(deps.secretKey, secret), totp_last_step: null, updated_at: now })
      .where("id", "=", staff.id)
      .execute();
    const uri = otpauthUri(TOTP_ISSUER, staff.username, secret);
    enrolment = { secret: groupSecret(secret), otpauthUri: uri, qrSvg: await qrSvg(uri) };
  }
  const passkey = await deps.db
    .selectFrom("passkeys")
    .select("id")
    .where("owner_kind", "=", "staff")
    .where("owner_id", "=", staff.id)
    .executeTakeFirst();
  const session = await createStaffSession(deps.db, staff.id, "totp", now, deps.policy, client);
  await recordAudit(deps.db, actor, { action: "staff.login.password" }, client, now);
  return {
    ...session,
    next: enrolment ? "enrol" : "totp",
    methods: passkey ? ["totp", "passkey"] : ["totp"],
    ...(enrolment ? { enrolment } : {}),
  };
}

/** The second factor: a valid, unused code turns the half session into a new, full one. */
export async function staffTotpStep(
  deps: StaffDeps,
  half: StaffContext,
  body: { code?: unknown },
  client: Client,
  solvedLevel = 0,
) {
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  const attempt = await reserve(deps, half.username, solvedLevel);
  const now = deps.clock.now();
  const staff = await deps.db
    .selectFrom("staff")
    .selectAll()
    .where("id", "=", half.id)
    .executeTakeFirstOrThrow();
  const sealed = staff.totp_secret;
  const secret = sealed ? await openStaffSecret(deps, { id: staff.id, totp_secret: sealed }, now) : null;
  const step = secret ? matchTotp(secret, code, now, staff.totp_last_step) : null;
  const actor = actorOf(staff);
  // Claimed with a compare-and-set: two requests with the same code cannot both succeed.
  const claimed =
    step === null
      ? undefined
      : await deps.db
          .updateTable("staff")
          .set({ totp_last_step: step, totp_enrolled_at: staff.totp_enrolled_at ?? now, updated_at: now })
          .where("id", "=", staff.id)
          .where((eb) => eb.or([eb("totp_last_step", "is", null), eb("totp_last_step", "<", step)]))
          .returning("id")
          .executeTakeFirst();
  if (!claimed) {
    await failed(deps, attempt, staff.username, client);
    await recordAudit(deps.db, actor, { action: "staff.login.totp", result: "failed" }, client, now);
    throw new InvalidInput([{ field: "code", code: "staff.totp.wrong" }]);
  }
  await attempt?.succeeded();
  await revokeStaffSession(deps.db, half.idHash, now);
  const session = await createStaffSession(deps.db, staff.id, "full", now, deps.policy, client);
  const action = staff.totp_enrolled_at ? "staff.login.totp" : "staff.totp.enrolled";
  await recordAudit(deps.db, actor, { action }, client, now);
  return session;
}

/** The member's current password, once `body.currentPassword` proved it (a flat limit per member). */
async function reauthenticateStaff(
  deps: Pick<StaffDeps, "db" | "clock" | "rateLimits" | "attempts">,
  staff: StaffContext,
  body: { currentPassword?: unknown },
) {
  const current = typeof body.currentPassword === "string" ? body.currentPassword : "";
  if (!current) throw new InvalidInput([{ field: "currentPassword", code: "currentPassword.required" }]);
  // Re-authentication inside a session: a flat limit on this member only, reserved before comparing.
  const reauth = deps.rateLimits
    ? await reserveFlat({ store: deps.attempts.store, clock: deps.clock }, `staff-reauth:${staff.id}`, {
        limit: ACCOUNT_LIMITS.reauthFailures,
        windowMs: ACCOUNT_LIMITS.reauthWindowMs,
      })
    : null;
  const row = await deps.db
    .selectFrom("staff")
    .select("password_hash")
    .where("id", "=", staff.id)
    .executeTakeFirstOrThrow();
  if (!(await verifySecret(row.password_hash, current))) {
    throw new InvalidInput([{ field: "currentPassword", code: "currentPassword.wrong" }]);
  }
  await reauth?.succeeded();
  return current;
}

/**
 * A change of the member's passkeys: the current password, or a sign-in of the last 10 minutes
 * (as for citizens, FRESH_FACTOR_MS), so that a console left open is not enough.
 */
export async function proveStaff(
  deps: Pick<StaffDeps, "db" | "clock" | "rateLimits" | "attempts">,
  staff: StaffContext,
  body: { currentPassword?: unknown },
) {
  const fresh = deps.clock.now().getTime() - staff.createdAt.getTime() <= FRESH_FACTOR_MS;
  if (!body.currentPassword && fresh) return;
  await reauthenticateStaff(deps, staff, body);
}

/** Replaces a handed-over (or any) password; every other session of the member ends. */
export async function changeStaffPassword(
  deps: StaffDeps,
  staff: StaffContext,
  body: { currentPassword?: unknown; password?: unknown; passwordConfirmation?: unknown },
  client: Client,
) {
  const current = await reauthenticateStaff(deps, staff, body);
  const errors = validatePasswordPair(body.password, body.passwordConfirmation, {
    username: staff.username,
    names: [staff.name],
    blocklist: commonPasswords(),
  });
  if (body.password === current) errors.push({ field: "password", code: "staff.password.same" });
  if (errors.length) throw new InvalidInput(errors);
  const now = deps.clock.now();
  const hash = await hashSecret(body.password as string);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("staff")
      .set({ password_hash: hash, password_must_change: false, updated_at: now })
      .where("id", "=", staff.id)
      .execute();
    await trx
      .updateTable("staff_sessions")
      .set({ revoked_at: now })
      .where("staff_id", "=", staff.id)
      .where("id_hash", "!=", staff.idHash)
      .where("revoked_at", "is", null)
      .execute();
    await recordAudit(trx, { ...staff }, { action: "staff.password.changed" }, client, now);
  });
}

export function actorOf(s: { id: string; username: string; role: string; branch_id: string | null }): Actor {
  return { id: s.id, username: s.username, role: s.role, branchId: s.branch_id };
}

/** 16 letters and digits without look-alikes, to be read aloud or copied once and then changed. */
export function oneTimePassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  return Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]).join("");
}

export type NewStaff = { username?: unknown; name?: unknown; role?: unknown; branchId?: unknown };

export async function createStaff(db: Db, input: NewStaff, now: Date) {
  const username = typeof input.username === "string" ? input.username.trim().toLowerCase() : "";
  const name = typeof input.name === "string" ? input.name.trim() : "";
  const role = input.role;
  const branchId = typeof input.branchId === "string" && input.branchId ? input.branchId : null;
  const errors = [];
  if (!USERNAME.test(username)) errors.push({ field: "username", code: "staff.username.format" });
  if (name.length < 2 || name.length > 100) errors.push({ field: "name", code: "staff.name.required" });
  if (role !== "admin" && role !== "branch_operator")
    errors.push({ field: "role", code: "staff.role.invalid" });
  if (role === "branch_operator") {
    const branch = branchId
      ? await db.selectFrom("branches").select("id").where("id", "=", branchId).executeTakeFirst()
      : undefined;
    if (!branch) errors.push({ field: "branchId", code: "staff.branch.required" });
  }
  if (errors.length) throw new InvalidInput(errors);
  const password = oneTimePassword();
  const id = crypto.randomUUID();
  const inserted = await db
    .insertInto("staff")
    .values({
      id,
      username,
      name,
      role: role as StaffRole,
      branch_id: role === "admin" ? null : branchId,
      status: "active",
      password_hash: await hashSecret(password),
      created_at: now,
      updated_at: now,
    })
    .onConflict((c) => c.column("username").doNothing())
    .returning("id")
    .executeTakeFirst();
  if (!inserted) throw new InvalidInput([{ field: "username", code: "staff.username.taken" }]);
  return { id, username, role: role as StaffRole, password };
}
