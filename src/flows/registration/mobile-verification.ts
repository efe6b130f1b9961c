// R-REG step 1: the registrant proves they hold the mobile before a registration is taken. A code goes
// by SMS to the number; the right code gives a mobileProof bound to that national ID + mobile, which
// POST /api/registrations requires. Nothing here depends on whether the ID has an account (decision
// 003), and the only refusals by count are per target: one mobile number, one national ID.
import { parseMobile } from "../../domain/mobile.ts";
import { parseNationalId } from "../../domain/national-id.ts";
import { validateRegistrationStep } from "../../domain/registration.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import {
  type CodeSettings,
  cleanCode,
  issueCode,
  spendCode,
  tryCode,
} from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { hashToken, newToken } from "../../platform/tokens.ts";
import { SEND_QUEUE } from "../courier/courier.ts";

const HOUR_MS = 3_600_000;
export const MOBILE_PROOF_LIMITS = {
  /** Codes sent to one mobile number, and for one national ID, per hour and per day. */
  perTargetPerHour: 5,
  perTargetPerDay: 10,
  /** A proof serves registrations of its pair this long, or until one is accepted. */
  proofMinutes: 30,
};

export type MobileVerificationDeps = CodeSettings & {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
};

async function limitTarget(deps: MobileVerificationDeps, target: string) {
  const now = deps.clock.now();
  for (const [window, windowMs, max] of [
    ["hour", HOUR_MS, MOBILE_PROOF_LIMITS.perTargetPerHour],
    ["day", 24 * HOUR_MS, MOBILE_PROOF_LIMITS.perTargetPerDay],
  ] as const) {
    const { count, windowEndsAt } = await deps.throttles.hit(
      `mobile-proof:${window}:${target}`,
      windowMs,
      now,
    );
    if (count > max) throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
  }
}

export async function startMobileVerification(
  deps: MobileVerificationDeps,
  body: { nationalId?: unknown; mobile?: unknown },
  clientIp: string | null,
): Promise<{ verificationId: string }> {
  const errors = validateRegistrationStep("identity", body, deps.clock.now());
  const nationalId = parseNationalId(body.nationalId);
  const mobile = parseMobile(body.mobile);
  if (errors.length || !nationalId.ok || !mobile.ok) throw new InvalidInput(errors);
  if (deps.rateLimits) {
    await limitTarget(deps, `mobile:${mobile.value}`);
    await limitTarget(deps, `nid:${nationalId.value}`);
  }
  const now = deps.clock.now();
  // A new code replaces the earlier ones of the pair: only the latest SMS counts.
  const { id } = await deps.db.transaction().execute((trx) =>
    issueCode(
      trx,
      deps,
      {
        table: "mobile_verifications",
        purpose: "mobile-verification",
        row: { national_id: nationalId.value, mobile: mobile.value, client_ip: clientIp },
        replaces: { national_id: nationalId.value, mobile: mobile.value },
        message: {
          channel: "sms",
          to: mobile.value,
          template: "registration.mobileCode",
          text: "sms.registration.mobileCode",
        },
      },
      now,
    ),
  );
  deps.jobs.nudge(SEND_QUEUE);
  return { verificationId: id };
}

const invalid = () => new Problem(400, "mobileVerification.invalid");
const locked = () => new Problem(400, "mobileVerification.locked", { attemptsLeft: 0 });

export async function confirmMobileVerification(
  deps: MobileVerificationDeps,
  verificationId: string,
  body: { code?: unknown },
): Promise<{ mobileProof: string }> {
  if (!/^[0-9a-f-]{36}$/i.test(verificationId)) throw invalid();
  const row = await deps.db
    .selectFrom("mobile_verifications")
    .select(["id", "status", "expires_at"])
    .where("id", "=", verificationId)
    .executeTakeFirst();
  const now = deps.clock.now();
  if (!row || row.status === "proved" || row.status === "used") throw invalid();
  if (row.status === "dead") throw locked();
  if (row.expires_at <= now) throw new Problem(400, "mobileVerification.expired");
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);

  const where = { table: "mobile_verifications", id: row.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome === "spent") throw locked();
  if (guess.outcome === "wrong") {
    throw new Problem(400, "mobileVerification.wrongCode", { attemptsLeft: guess.attemptsLeft });
  }
  const mobileProof = newToken();
  const spent = await spendCode(deps.db, where, {
    status: "proved",
    proof_hash: hashToken(mobileProof),
    proof_expires_at: new Date(now.getTime() + MOBILE_PROOF_LIMITS.proofMinutes * 60_000),
  });
  if (!spent) throw invalid();
  return { mobileProof };
}

/** The verification a proof stands for, if it is live and bound to exactly this pair. */
export async function provedVerification(
  db: Db,
  proof: unknown,
  nationalId: string,
  mobile: string,
  now: Date,
): Promise<string | undefined> {
  if (typeof proof !== "string" || proof === "") return undefined;
  const row = await db
    .selectFrom("mobile_verifications")
    .select("id")
    .where("proof_hash", "=", hashToken(proof))
    .where("status", "=", "proved")
    .where("proof_expires_at", ">", now)
    .where("national_id", "=", nationalId)
    .where("mobile", "=", mobile)
    .executeTakeFirst();
  return row?.id;
}
