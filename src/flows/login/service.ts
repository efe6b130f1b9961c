// Login (R-LOGIN): one path for known and unknown national IDs (a real argon2 verify either way),
// failures counted per national ID (SignInAttempts: challenges past an allowance, never a lock-out by
// strangers) and per address (the route's challenge guard), sessions server-side.
import { parseNationalId } from "../../domain/national-id.ts";
import { t } from "../../messages/index.ts";
import type { Attempt, SignInAttempts, SignInPolicy } from "../../platform/attempts.ts";
import type { AddressHit } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { dummyHash, hashSecret, needsRehash, verifySecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, Unauthorized } from "../../platform/problems.ts";
import { releaseStatement } from "../../platform/throttle.ts";
import { recordEvent, recordSignInFailure, securityEventRow } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { completeSignIn, findAccount, reserveAndFind, type SignInAccount } from "./repository.ts";
import type { SignInDecision } from "./second-factor.ts";
import { newSession, type SessionPolicy } from "./sessions.ts";

/** Consecutive failures of one national ID (any ID, known or not: the same path for both). */
export const LOGIN_ID_POLICY: SignInPolicy = {
  /** Judged without a challenge; then each attempt needs one, harder as the failures grow. */
  allowance: 5,
  /** Then password sign-in waits for an SMS password recovery (NIST 800-63B: at most 100). */
  cap: 100,
  /** A streak of failures is forgotten at a success, a password reset, or after this long. */
  windowMs: 90 * 24 * 3_600_000,
  capCode: "login.recoveryRequired",
};

/** Failures from one address per window before its attempts need a challenge (never a refusal). */
export const LOGIN_ADDRESS_RULE = {
  scope: "login",
  threshold: 50,
  windowMs: 15 * 60_000,
  counts: "failures" as const,
};

export const loginKey = (nationalId: string) => `login:nid:${nationalId}`;

export type LoginDeps = {
  db: Db;
  clock: Clock;
  sessions: SessionPolicy;
  rateLimits: boolean;
  attempts: SignInAttempts;
  jobs: Jobs;
  /** A notice or record written after the answer failed (the cap's SMS, a failure's summary row). */
  onCap?: (err: unknown) => void;
  /**
   * After a right password: a full session, or a half one with a second factor due (R-MFA). Without
   * it, a full session by password alone.
   */
  decide?: (accountId: string, now: Date) => Promise<SignInDecision>;
  /** The address guard's hit, when it left it to this sign-in (counted in the same statement). */
  address?: {
    hit: () => AddressHit | null;
    /** 0, or the challenge level the address's count asks for (nothing is then reserved). */
    admit: (count: number) => number;
    refuse: (level: number) => Promise<never>;
    /**
     * At a success: takes the address guard's reservation (its key) so that the success statement
     * gives it back, instead of the guard's own round trip after the answer.
     */
    takeReservation: () => string | null;
  };
};
export type Client = { ip: string | null; userAgent: string | null };

export async function login(
  deps: LoginDeps,
  body: { nationalId?: unknown; password?: unknown },
  client: Client,
  /** The challenge level this request solved (its X-Altcha header), 0 for none. */
  solvedLevel = 0,
) {
  const nationalId = parseNationalId(body.nationalId);
  const password = typeof body.password === "string" ? body.password : "";
  if (!nationalId.ok) throw new InvalidInput([{ field: "nationalId", code: nationalId.code }]);
  if (!password) throw new InvalidInput([{ field: "password", code: "password.required" }]);

  const now = deps.clock.now();
  const key = loginKey(nationalId.value);
  // Reserved before the password is compared: of 40 parallel guesses, only the allowance is judged
  // without a challenge. With the counters in this database, reservation and read are one statement.
  const inDatabase = deps.rateLimits && deps.attempts.store.inDatabase;
  let attempt: Attempt | null = null;
  let account: SignInAccount | undefined;
  if (inDatabase) {
    const { address } = deps;
    const addressHit = address?.hit() ?? null;
    const windowMs = deps.attempts.windowMs;
    const found = await reserveAndFind(deps.db, key, windowMs, now, nationalId.value, addressHit);
    account = found.account;
    if (address && addressHit && found.addressCount !== null) {
      const needed = address.admit(found.addressCount);
      if (needed > 0) {
        // The address first, as its guard would have: refused, neither count stays.
        await releaseStatement([key, addressHit.key]).execute(deps.db);
        await address.refuse(needed);
      }
    }
    attempt = await deps.attempts.judge(key, found.count, solvedLevel);
  } else {
    attempt = deps.rateLimits ? await deps.attempts.reserve(key, solvedLevel) : null;
    account = await findAccount(deps.db, nationalId.value);
  }
  const matches = await verifySecret(account?.password_hash ?? (await dummyHash()), password);
  if (!account || !matches) {
    // The reservation stays: it is this failure. Told in the background, so the 100th answer of an
    // existing ID takes no longer than an unknown one's.
    if (attempt?.reachesCap && account) {
      tellHolderOfCap(deps, account.id, now).catch((err) => deps.onCap?.(err));
    }
    // The holder's summary of failed sign-ins (one row an hour), written after the answer for the
    // same reason: an unknown ID writes nothing, and the answer must not take longer for a known one.
    if (account) recordSignInFailure(deps.db, account.id, client, now).catch((err) => deps.onCap?.(err));
    throw new Unauthorized("invalidCredentials");
  }
  if (account.status !== "active") {
    await attempt?.succeeded();
    throw new Problem(403, `accountNotActive.${account.status}`, { status: account.status });
  }
  if (needsRehash(account.password_hash)) {
    await deps.db
      .updateTable("accounts")
      .set({ password_hash: await hashSecret(password), updated_at: now })
      .where("id", "=", account.id)
      .execute();
  }
  const decision: SignInDecision = deps.decide
    ? await deps.decide(account.id, now)
    : // Unknown here whether a reset is open: the hooks look (they cancel none that is not).
      { stage: "full", proof: { stage: "full", amr: ["pwd"], aal: 1 }, resetOpen: true };
  // A success is recorded with the session; failures only after the answer (above): a row written
  // for failures of existing accounts alone would make them slower than unknown IDs, a timing oracle.
  // With a factor due, once the factor is given.
  const event =
    decision.stage === "full"
      ? securityEventRow(
          { accountId: account.id, nationalId: nationalId.value, type: "login.succeeded" },
          client,
          now,
        )
      : null;
  const session = newSession(account.id, now, deps.sessions, client, decision.proof);
  if (inDatabase) {
    // The counter forgotten, the address's reservation given back, event and session: one statement.
    const address = deps.address?.takeReservation() ?? null;
    await completeSignIn(deps.db, { clear: key, release: address, event, session: session.row }).catch(
      async (error: unknown) => {
        if (address) await deps.attempts.store.release(address).catch(() => undefined);
        throw error;
      },
    );
  } else {
    await attempt?.succeeded();
    await completeSignIn(deps.db, { clear: null, release: null, event, session: session.row });
  }
  return { token: session.token, expiresAt: session.expiresAt, accountId: account.id, decision };
}

async function tellHolderOfCap(deps: LoginDeps, accountId: string, now: Date) {
  const account = await deps.db
    .selectFrom("accounts")
    .select(["mobile", "national_id"])
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
  await deps.db.transaction().execute(async (trx) => {
    await queueMessage(
      trx,
      deps.jobs,
      {
        channel: "sms",
        to: account.mobile,
        template: "login.capped",
        body: t("fa", "sms.login.capped"),
        dedupeKey: `login-cap:${accountId}:${now.getTime()}`,
      },
      now,
    );
    await recordEvent(
      trx,
      { accountId, nationalId: account.national_id, type: "login.capped" },
      { ip: null, userAgent: null },
      now,
    );
  });
  deps.jobs.nudge(SEND_QUEUE);
}
