// Password recovery (R-REC): start → verify (code or answers) → reset. Step 1 behaves the same for
// a national ID with or without an account: a recovery row is written either way, and one for an
// unknown ID simply can never be verified. Accounts not active are told to visit a branch, but only
// once the code or answers proved the caller holds them, and never become active here.
import { parseNationalId } from "../../domain/national-id.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import {
  type CodeSettings,
  cleanCode,
  codeMatches,
  guessCode,
  hashToken,
  issueCode,
  MAX_ATTEMPTS,
  newToken,
  spendCode,
} from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { RecoveryMethod } from "../../platform/schema.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import type { Client } from "../account/security-events.ts";
import { SEND_QUEUE } from "../courier/courier.ts";
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

/** `secretKey` (the first key of SECRET_KEY) also keys the choice of questions. */
export type RecoveryDeps = CodeSettings & {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
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
  const recovery = {
    national_id: nid,
    account_id: account?.id ?? null,
    method,
    client_ip: client.ip,
    credential_version: account?.credential_version ?? null,
  };

  if (method === "security_questions") {
    const id = crypto.randomUUID();
    await deps.db
      .insertInto("password_recoveries")
      .values({
        ...recovery,
        id,
        code_hash: null,
        status: "pending",
        expires_at: new Date(now.getTime() + deps.codeMinutes * 60_000),
        created_at: now,
      })
      .execute();
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
  const { id } = await deps.db.transaction().execute((trx) =>
    issueCode(
      trx,
      deps,
      {
        table: "password_recoveries",
        purpose: "recovery",
        row: recovery,
        message:
          send && to
            ? {
                channel: method === "sms" ? "sms" : "email",
                to,
                template: `recovery.code.${method}`,
                text: method === "sms" ? "sms.recovery.code" : "email.recovery.code.body",
                subject: "email.recovery.code.subject",
              }
            : null,
      },
      now,
    ),
  );
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
  // The one guess of every code (one-time-codes.ts), judged by the code or by the answers: the try is
  // counted before anything is compared, and an unknown ID's recovery is never right.
  const where = { table: "password_recoveries", id: recovery.id } as const;
  const guess = await guessCode(
    deps.db,
    { ...where, status: "pending" },
    now,
    MAX_ATTEMPTS,
    async (codeHash) => {
      if (!recovery.account_id) return false;
      return recovery.method === "security_questions"
        ? answersMatch(deps.db, deps.secretKey, recovery.national_id, recovery.account_id, body.answers)
        : codeMatches(deps.secretKeys, codeHash, recovery.id, code);
    },
  );
  if (guess.outcome === "spent") throw new Problem(400, "recovery.locked", { attemptsLeft: 0 });
  if (guess.outcome === "wrong") {
    const wrong = recovery.method === "security_questions" ? "recovery.wrongAnswers" : "recovery.wrongCode";
    throw new Problem(400, wrong, { attemptsLeft: guess.attemptsLeft });
  }

  if (recovery.account_status !== "active") {
    await killRecovery(deps, recovery.id);
    throw new Problem(403, `accountNotActive.${recovery.account_status}`, {
      status: recovery.account_status,
    });
  }
  const resetToken = newToken();
  const spent = await spendCode(deps.db, where, {
    status: "verified",
    reset_token_hash: hashToken(resetToken),
    reset_expires_at: new Date(now.getTime() + deps.codeMinutes * 60_000),
  });
  if (!spent) throw invalid();
  return { resetToken };
}
