// Password recovery (R-REC): start → verify (code or answers) → reset. Step 1 behaves the same for
// a national ID with or without an account: a recovery row is written either way, and one for an
// unknown ID simply can never be verified. Accounts not active are told to visit a branch, but only
// once the code or answers proved the caller holds them, and never become active here.
import { parseNationalId } from "../../domain/national-id.ts";
import { validatePasswordPair } from "../../domain/password-policy.ts";
import { t } from "../../messages/index.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { hashSecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { RecoveryMethod } from "../../platform/schema.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { answersMatch, catalogueOrder, decoyQuestions } from "./questions.ts";
import { cleanCode, hashCode, hashToken, MAX_ATTEMPTS, newCode, newToken, sameHash } from "./secrets.ts";

export const RECOVERY_LIMITS = {
  /** A new code for the same national ID no sooner than this. */
  resendCooldownMs: 60_000,
  /** Recoveries started per national ID / per IP per day; codes sent per mobile or email per day. */
  perNationalIdPerDay: 10,
  perIpPerDay: 100,
  perAddressPerDay: 5,
};
const DAY_MS = 86_400_000;

export type RecoveryDeps = {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
  secretKey: string;
  codeMinutes: number;
};

export const RECOVERY_METHODS: readonly RecoveryMethod[] = ["sms", "email", "security_questions"];

async function limit(deps: RecoveryDeps, key: string, windowMs: number, max: number) {
  const now = deps.clock.now();
  const { count, windowEndsAt } = await deps.throttles.hit(key, windowMs, now);
  if (count > max) throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
}

export async function startRecovery(
  deps: RecoveryDeps,
  body: { nationalId?: unknown; method?: unknown },
  client: Client,
): Promise<{ recoveryId: string; questionIds?: string[] }> {
  const nationalId = parseNationalId(body.nationalId);
  const method = RECOVERY_METHODS.find((m) => m === body.method);
  const errors = [];
  if (!nationalId.ok) errors.push({ field: "nationalId", code: nationalId.code });
  if (!method) errors.push({ field: "method", code: "recovery.method" });
  if (!nationalId.ok || !method) throw new InvalidInput(errors);
  const nid = nationalId.value;

  // The same limits whether or not the ID has an account, so a 429 tells a stranger nothing.
  if (deps.rateLimits) {
    await limit(deps, `recovery:ip:${client.ip ?? "unknown"}`, DAY_MS, RECOVERY_LIMITS.perIpPerDay);
    await limit(deps, `recovery:nid:${nid}`, DAY_MS, RECOVERY_LIMITS.perNationalIdPerDay);
    if (method !== "security_questions") {
      await limit(deps, `recovery:cooldown:${nid}`, RECOVERY_LIMITS.resendCooldownMs, 1);
    }
  }

  const now = deps.clock.now();
  const account = await deps.db
    .selectFrom("accounts")
    .select(["id", "mobile", "email", "email_confirmed_at"])
    .where("national_id", "=", nid)
    .executeTakeFirst();
  const id = crypto.randomUUID();
  const code = newCode();
  const recovery = {
    id,
    national_id: nid,
    account_id: account?.id ?? null,
    method,
    code_hash: method === "security_questions" ? null : hashCode(deps.secretKey, id, code),
    status: "pending" as const,
    expires_at: new Date(now.getTime() + deps.codeMinutes * 60_000),
    created_at: now,
    client_ip: client.ip,
  };

  if (method === "security_questions") {
    await deps.db.insertInto("password_recoveries").values(recovery).execute();
    const stored = account
      ? await deps.db
          .selectFrom("security_answers")
          .select("question_id")
          .where("account_id", "=", account.id)
          .execute()
      : [];
    const questionIds = stored.length
      ? stored.map((r) => r.question_id).sort((a, b) => catalogueOrder(a) - catalogueOrder(b))
      : decoyQuestions(deps.secretKey, nid);
    return { recoveryId: id, questionIds };
  }

  // An email not yet confirmed by its code gets nothing, silently, like an unknown ID (issue 10).
  const email = account?.email_confirmed_at ? account.email : null;
  const to = account ? (method === "sms" ? account.mobile : email) : null;
  // A flooded number or mailbox is spared silently: a 429 here would reveal that the account exists.
  const send =
    to !== null &&
    (!deps.rateLimits ||
      (await deps.throttles.hit(`recovery:to:${to}`, DAY_MS, now)).count <= RECOVERY_LIMITS.perAddressPerDay);
  await deps.db.transaction().execute(async (trx) => {
    await trx.insertInto("password_recoveries").values(recovery).execute();
    if (!send || !to) return;
    const params = { code, minutes: deps.codeMinutes };
    await queueMessage(
      trx,
      deps.jobs,
      {
        channel: method === "sms" ? "sms" : "email",
        to,
        template: `recovery.code.${method}`,
        body: t("fa", method === "sms" ? "sms.recovery.code" : "email.recovery.code.body", params),
        subject: t("fa", "email.recovery.code.subject"),
        dedupeKey: `recovery:${id}:code`,
        code,
      },
      now,
    );
  });
  if (send) deps.jobs.nudge(SEND_QUEUE);
  return { recoveryId: id };
}

const invalid = () => new Problem(400, "recovery.invalid");

async function loadRecovery(deps: RecoveryDeps, recoveryId: string) {
  if (!/^[0-9a-f-]{36}$/i.test(recoveryId)) throw invalid();
  const row = await deps.db
    .selectFrom("password_recoveries")
    .leftJoin("accounts", "accounts.id", "password_recoveries.account_id")
    .select([
      "password_recoveries.id",
      "password_recoveries.national_id",
      "password_recoveries.account_id",
      "password_recoveries.method",
      "password_recoveries.code_hash",
      "password_recoveries.status",
      "password_recoveries.expires_at",
      "password_recoveries.reset_token_hash",
      "password_recoveries.reset_expires_at",
      "accounts.status as account_status",
      "accounts.mobile",
    ])
    .where("password_recoveries.id", "=", recoveryId)
    .executeTakeFirst();
  if (!row) throw invalid();
  return row;
}

export async function verifyRecovery(
  deps: RecoveryDeps,
  recoveryId: string,
  body: { code?: unknown; answers?: unknown },
): Promise<{ resetToken: string }> {
  const recovery = await loadRecovery(deps, recoveryId);
  const now = deps.clock.now();
  if (recovery.status === "dead") throw new Problem(400, "recovery.locked");
  if (recovery.status !== "pending") throw invalid();
  if (recovery.expires_at <= now) throw new Problem(400, "recovery.expired");

  let proved: boolean;
  if (recovery.method === "security_questions") {
    proved = await answersMatch(deps.db, recovery.account_id, body.answers);
  } else {
    const code = cleanCode(body.code);
    if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
    proved = sameHash(recovery.code_hash, hashCode(deps.secretKey, recovery.id, code));
  }
  if (!proved || !recovery.account_id) {
    const row = await deps.db
      .updateTable("password_recoveries")
      .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
      .where("id", "=", recovery.id)
      .where("status", "=", "pending")
      .returning("attempts")
      .executeTakeFirst();
    const attempts = row?.attempts ?? MAX_ATTEMPTS;
    if (attempts >= MAX_ATTEMPTS) {
      await deps.db
        .updateTable("password_recoveries")
        .set({ status: "dead" })
        .where("id", "=", recovery.id)
        .execute();
      throw new Problem(400, "recovery.locked");
    }
    const code = recovery.method === "security_questions" ? "recovery.wrongAnswers" : "recovery.wrongCode";
    throw new Problem(400, code, { attemptsLeft: MAX_ATTEMPTS - attempts });
  }

  if (recovery.account_status !== "active") {
    await deps.db
      .updateTable("password_recoveries")
      .set({ status: "dead" })
      .where("id", "=", recovery.id)
      .execute();
    throw new Problem(403, `accountNotActive.${recovery.account_status}`, {
      status: recovery.account_status,
    });
  }
  const resetToken = newToken();
  const claimed = await deps.db
    .updateTable("password_recoveries")
    .set({
      status: "verified",
      reset_token_hash: hashToken(resetToken),
      reset_expires_at: new Date(now.getTime() + deps.codeMinutes * 60_000),
    })
    .where("id", "=", recovery.id)
    .where("status", "=", "pending")
    .returning("id")
    .executeTakeFirst();
  if (!claimed) throw invalid();
  return { resetToken };
}

export async function resetPassword(
  deps: RecoveryDeps,
  recoveryId: string,
  body: { resetToken?: unknown; password?: unknown; passwordConfirmation?: unknown },
  client: Client,
): Promise<void> {
  const recovery = await loadRecovery(deps, recoveryId);
  const now = deps.clock.now();
  const token = typeof body.resetToken === "string" ? body.resetToken : "";
  const valid =
    recovery.status === "verified" &&
    recovery.reset_expires_at !== null &&
    recovery.reset_expires_at > now &&
    sameHash(recovery.reset_token_hash, hashToken(token));
  if (!valid || !recovery.account_id) throw new Problem(400, "recovery.invalidToken");
  if (recovery.account_status !== "active") {
    throw new Problem(403, `accountNotActive.${recovery.account_status}`, {
      status: recovery.account_status,
    });
  }
  const errors = validatePasswordPair(body.password, body.passwordConfirmation, recovery.national_id);
  if (errors.length) throw new InvalidInput(errors);
  const passwordHash = await hashSecret(body.password as string);
  const accountId = recovery.account_id;

  await deps.db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable("password_recoveries")
      .set({ status: "used" })
      .where("id", "=", recovery.id)
      .where("status", "=", "verified")
      .returning("id")
      .executeTakeFirst();
    if (!used) throw new Problem(400, "recovery.invalidToken");
    // Any other recovery in flight for this account is void once the password changed.
    await trx
      .updateTable("password_recoveries")
      .set({ status: "dead" })
      .where("account_id", "=", accountId)
      .where("status", "in", ["pending", "verified"])
      .execute();
    await trx
      .updateTable("accounts")
      .set({ password_hash: passwordHash, updated_at: now })
      .where("id", "=", accountId)
      .execute();
    await trx
      .updateTable("sessions")
      .set({ revoked_at: now })
      .where("account_id", "=", accountId)
      .where("revoked_at", "is", null)
      .execute();
    await recordEvent(
      trx,
      { accountId, nationalId: recovery.national_id, type: "password.reset" },
      client,
      now,
    );
    await queueMessage(
      trx,
      deps.jobs,
      {
        channel: "sms",
        to: recovery.mobile!,
        template: "account.passwordChanged",
        body: t("fa", "sms.account.passwordChanged"),
        dedupeKey: `recovery:${recovery.id}:reset`,
      },
      now,
    );
  });
  deps.jobs.nudge(SEND_QUEUE);
}
