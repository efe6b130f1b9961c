// Password recovery (R-REC): start → verify (code or answers) → reset. Step 1 behaves the same for
// a national ID with or without an account: a recovery row is written either way, and one for an
// unknown ID simply can never be verified. Accounts not active are told to visit a branch, but only
// once the code or answers proved the caller holds them, and never become active here.
import { parseNationalId } from "../../domain/national-id.ts";
import { t } from "../../messages/index.ts";
import { reserveAttempt } from "../../platform/attempts.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import {
  cleanCode,
  codeMatches,
  hashCode,
  hashToken,
  MAX_ATTEMPTS,
  newCode,
  newToken,
} from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { RecoveryMethod } from "../../platform/schema.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import type { Client } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { answersMatch, askedQuestions } from "./questions.ts";

export const RECOVERY_LIMITS = {
  /** A new code for the same national ID no sooner than this. */
  resendCooldownMs: 60_000,
  /** Recoveries started per national ID per day; codes sent per mobile or email per day. */
  perNationalIdPerDay: 10,
  perAddressPerDay: 5,
  /** Per IP address and day, before its requests need a challenge (routes.ts): never a refusal. */
  perIpPerDay: 100,
  stepsPerIpPerDay: 300,
};
const DAY_MS = 86_400_000;

export type RecoveryDeps = {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
  /** The first key of SECRET_KEY: new code HMACs and the questions' keyed choice. */
  secretKey: string;
  /** Every key of SECRET_KEY, newest first: codes sent before a rotation still verify. */
  secretKeys: readonly string[];
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
): Promise<{ recoveryId: string; questionIds?: string[]; resendAfterSeconds?: number }> {
  const nationalId = parseNationalId(body.nationalId);
  const method = RECOVERY_METHODS.find((m) => m === body.method);
  const errors = [];
  if (!nationalId.ok) errors.push({ field: "nationalId", code: nationalId.code });
  if (!method) errors.push({ field: "method", code: "recovery.method" });
  if (!nationalId.ok || !method) throw new InvalidInput(errors);
  const nid = nationalId.value;

  // The same limits whether or not the ID has an account, so a 429 tells a stranger nothing. The
  // address's volume is the route's challenge guard.
  if (deps.rateLimits) {
    await limit(deps, `recovery:nid:${nid}`, DAY_MS, RECOVERY_LIMITS.perNationalIdPerDay);
    if (method !== "security_questions") {
      await limit(deps, `recovery:cooldown:${nid}`, RECOVERY_LIMITS.resendCooldownMs, 1);
    }
  }

  const now = deps.clock.now();
  const account = await deps.db
    .selectFrom("accounts")
    .select(["id", "mobile", "email", "email_confirmed_at", "credential_version"])
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
    credential_version: account?.credential_version ?? null,
  };

  if (method === "security_questions") {
    await deps.db.insertInto("password_recoveries").values(recovery).execute();
    const { ids } = await askedQuestions(deps.db, deps.secretKey, nid, account?.id ?? null);
    return { recoveryId: id, questionIds: ids };
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
  // The same wait for every ID, known or not: the cooldown above, which the page counts down.
  return { recoveryId: id, resendAfterSeconds: resendAfterSeconds(deps) };
}

const resendAfterSeconds = (deps: RecoveryDeps) =>
  deps.rateLimits ? Math.ceil(RECOVERY_LIMITS.resendCooldownMs / 1000) : 0;

/**
 * «ارسال دوباره»: a new code by the same method, as a new recovery under the same limits as a start
 * (cooldown, daily caps), and the old code dies so that only one is ever valid. An unknown ID's
 * recovery takes the same path and answers the same.
 */
export async function resendRecoveryCode(
  deps: RecoveryDeps,
  recoveryId: string,
  client: Client,
): Promise<{ recoveryId: string; resendAfterSeconds?: number }> {
  const recovery = await loadRecovery(deps, recoveryId);
  if (recovery.status === "dead") throw new Problem(400, "recovery.locked");
  if (recovery.status !== "pending" || recovery.method === "security_questions") throw invalid();
  const next = await startRecovery(
    deps,
    { nationalId: recovery.national_id, method: recovery.method },
    client,
  );
  await killRecovery(deps, recovery.id);
  return next;
}

const invalid = () => new Problem(400, "recovery.invalid");

export async function loadRecovery(deps: RecoveryDeps, recoveryId: string) {
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
      "password_recoveries.credential_version",
      "accounts.credential_version as account_credential_version",
      "accounts.status as account_status",
      "accounts.mobile",
      "accounts.first_name",
      "accounts.last_name",
      "accounts.birth_date",
    ])
    .where("password_recoveries.id", "=", recoveryId)
    .executeTakeFirst();
  if (!row) throw invalid();
  return row;
}

type LoadedRecovery = Awaited<ReturnType<typeof loadRecovery>>;

/** The password, mobile, email or status changed since the recovery began: what it proves is stale. */
export function superseded(recovery: LoadedRecovery): boolean {
  return recovery.account_id !== null && recovery.credential_version !== recovery.account_credential_version;
}

export async function killRecovery(deps: RecoveryDeps, id: string): Promise<void> {
  await deps.db.updateTable("password_recoveries").set({ status: "dead" }).where("id", "=", id).execute();
}

export async function verifyRecovery(
  deps: RecoveryDeps,
  recoveryId: string,
  body: { code?: unknown; answers?: unknown },
): Promise<{ resetToken: string }> {
  const recovery = await loadRecovery(deps, recoveryId);
  const now = deps.clock.now();
  if (recovery.status === "dead") throw new Problem(400, "recovery.locked", { attemptsLeft: 0 });
  if (recovery.status !== "pending") throw invalid();
  if (recovery.expires_at <= now) throw new Problem(400, "recovery.expired");

  if (superseded(recovery)) {
    await killRecovery(deps, recovery.id);
    throw invalid();
  }
  const code = recovery.method === "security_questions" ? "" : cleanCode(body.code);
  if (recovery.method !== "security_questions" && !code) {
    throw new InvalidInput([{ field: "code", code: "code.required" }]);
  }
  // The try is counted before anything is compared: parallel guesses cannot outrun the limit.
  const attempt = await reserveAttempt(deps.db, "password_recoveries", recovery.id, "pending", MAX_ATTEMPTS);
  if (attempt === null) {
    await killRecovery(deps, recovery.id);
    throw new Problem(400, "recovery.locked", { attemptsLeft: 0 });
  }
  const proved =
    recovery.method === "security_questions"
      ? await answersMatch(deps.db, deps.secretKey, recovery.national_id, recovery.account_id, body.answers)
      : codeMatches(deps.secretKeys, recovery.code_hash, recovery.id, code);
  if (!proved || !recovery.account_id) {
    if (attempt >= MAX_ATTEMPTS) {
      await killRecovery(deps, recovery.id);
      throw new Problem(400, "recovery.locked", { attemptsLeft: 0 });
    }
    const wrong = recovery.method === "security_questions" ? "recovery.wrongAnswers" : "recovery.wrongCode";
    // What is left comes from the counter just reserved, so parallel guesses each see their own.
    throw new Problem(400, wrong, { attemptsLeft: MAX_ATTEMPTS - attempt });
  }

  if (recovery.account_status !== "active") {
    await killRecovery(deps, recovery.id);
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
