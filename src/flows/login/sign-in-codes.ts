// The SMS code of a half session (R-MFA): one mechanism with every other code (platform/one-time-codes),
// capped per account like them, with the WebOTP line so that the phone offers the code by itself.
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { type Guess, issueCode, spendCode, tryCode } from "../../platform/one-time-codes.ts";
import { TooManyRequests } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { SEND_QUEUE } from "../courier/courier.ts";

export const SIGN_IN_CODE_LIMITS = {
  /** A new code on request at most once a minute (the page counts it down). */
  resendCooldownMs: 60_000,
  /** Codes sent to one account, by sign-ins and resends together, per hour and per day. */
  perHour: 5,
  perDay: 10,
};

export type SignInCodeDeps = {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
  secretKey: string;
  secretKeys: readonly string[];
  codeMinutes: number;
  /** The host of PUBLIC_URL, for the WebOTP line `@host #code`. */
  webOtpHost: string;
};

const HOUR_MS = 3_600_000;

/**
 * Counts a code about to be sent to the account: `resend` also keeps the one-minute cooldown (a
 * sign-in only starts it, so that two sign-ins in a row each get their code). 429 + Retry-After.
 */
async function limitCodes(deps: SignInCodeDeps, accountId: string, resend: boolean) {
  if (!deps.rateLimits) return;
  const now = deps.clock.now();
  const cooldown = await deps.throttles.hit(
    `sign-in-code:cooldown:${accountId}`,
    SIGN_IN_CODE_LIMITS.resendCooldownMs,
    now,
  );
  if (resend && cooldown.count > 1) {
    throw new TooManyRequests((cooldown.windowEndsAt.getTime() - now.getTime()) / 1000);
  }
  for (const [window, windowMs, max] of [
    ["hour", HOUR_MS, SIGN_IN_CODE_LIMITS.perHour],
    ["day", 24 * HOUR_MS, SIGN_IN_CODE_LIMITS.perDay],
  ] as const) {
    const { count, windowEndsAt } = await deps.throttles.hit(
      `sign-in-code:${window}:${accountId}`,
      windowMs,
      now,
    );
    if (count > max) throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
  }
}

/**
 * A new code for the half session `sessionHash`, by SMS to the account's mobile; every earlier code of
 * the account dies, so only one is ever valid.
 */
export async function sendSignInCode(
  deps: SignInCodeDeps,
  session: { sessionHash: string; accountId: string },
  mobile: string,
  options: { resend: boolean },
): Promise<void> {
  await limitCodes(deps, session.accountId, options.resend);
  const now = deps.clock.now();
  await deps.db.transaction().execute((trx) =>
    issueCode(
      trx,
      { ...deps, otpHost: deps.webOtpHost },
      {
        table: "sign_in_codes",
        purpose: "sign-in-code",
        row: { session_hash: session.sessionHash, account_id: session.accountId },
        replaces: { account_id: session.accountId },
        message: { channel: "sms", to: mobile, template: "login.code", text: "sms.login.code" },
      },
      now,
    ),
  );
  deps.jobs.nudge(SEND_QUEUE);
}

/**
 * One try of the half session's code: reserved before the comparison (5 per code), and the code spent
 * by the try that was right, so that it opens one session only.
 */
export async function guessSignInCode(
  deps: SignInCodeDeps,
  sessionHash: string,
  code: string,
): Promise<Guess> {
  const now = deps.clock.now();
  const pending = await deps.db
    .selectFrom("sign_in_codes")
    .select("id")
    .where("session_hash", "=", sessionHash)
    .where("status", "=", "pending")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (!pending) return { outcome: "spent" };
  const where = { table: "sign_in_codes", id: pending.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome !== "right") return guess;
  return (await spendCode(deps.db, where, { status: "done" })) ? guess : { outcome: "spent" };
}
