// Issue 21: a typo no longer costs a branch visit. After an identity mismatch, the holder of the proved
// mobile sees which fields differed from the civil registry (the names of the registration body's
// fields, never the registry's values) and registers again with the rest filled in. A code to that
// mobile proves the holder, as in step 1; the start answers 202 whatever the state, and stores a row
// (sending nothing) when the pair's latest request is no mismatch, so its answer and its time tell a
// stranger nothing. At most three looks a day per national ID, each a security event.
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
import { type Client, recordEvent } from "../account/security-events.ts";
import { SEND_QUEUE } from "../courier/courier.ts";
import { latestRequest, parsePair } from "./service.ts";

const DAY_MS = 86_400_000;
export const MISMATCH_LIMITS = {
  /** Looks at the fields per national ID per day. */
  looksPerDay: 3,
  /** Codes sent per national ID per day (each could become a look; a few more for a lost SMS). */
  codesPerDay: 6,
};

export type MismatchDeps = CodeSettings & { db: Db; jobs: Jobs; clock: Clock; throttles: ThrottleStore };

/** The looks of the last day for this national ID. */
async function looksToday(db: Db, nationalId: string, now: Date) {
  const row = await db
    .selectFrom("mismatch_looks")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("national_id", "=", nationalId)
    .where("status", "=", "viewed")
    .where("viewed_at", ">", new Date(now.getTime() - DAY_MS))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** POST /api/registrations/mismatch: a code to the mobile when the pair's latest request is a mismatch. */
export async function startMismatchLook(
  deps: MismatchDeps,
  body: { nationalId?: unknown; mobile?: unknown },
): Promise<void> {
  const pair = parsePair(body);
  const now = deps.clock.now();
  const latest = await latestRequest(deps.db, pair);
  const mismatch = latest?.status === "identity_mismatch";
  // Counted for every pair alike (a stranger's starts spend the same allowance as the holder's).
  const sent = await deps.throttles.hit(`mismatch-code:${pair.nationalId}`, DAY_MS, now);
  const send =
    mismatch &&
    sent.count <= MISMATCH_LIMITS.codesPerDay &&
    (await looksToday(deps.db, pair.nationalId, now)) < MISMATCH_LIMITS.looksPerDay;
  await deps.db.transaction().execute((trx) =>
    issueCode(
      trx,
      deps,
      {
        table: "mismatch_looks",
        purpose: "mismatch-look",
        row: { national_id: pair.nationalId, mobile: pair.mobile, request_id: mismatch ? latest.id : null },
        replaces: { national_id: pair.nationalId, mobile: pair.mobile },
        message: send
          ? {
              channel: "sms",
              to: pair.mobile,
              template: "registration.mismatchCode",
              text: "sms.registration.mismatchCode",
            }
          : null,
      },
      now,
    ),
  );
  if (send) deps.jobs.nudge(SEND_QUEUE);
}

const wrongCode = (attemptsLeft: number) => new Problem(400, "mismatch.wrongCode", { attemptsLeft });

/** POST /api/registrations/mismatch/verify: the right code shows the fields that differed. */
export async function verifyMismatchLook(
  deps: MismatchDeps,
  body: { nationalId?: unknown; mobile?: unknown; code?: unknown },
  client: Client,
): Promise<{ fields: string[]; filled: Record<string, string> }> {
  const pair = parsePair(body);
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom("mismatch_looks")
    .select(["id", "request_id"])
    .where("national_id", "=", pair.nationalId)
    .where("mobile", "=", pair.mobile)
    .where("status", "=", "pending")
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) throw wrongCode(0);
  const where = { table: "mismatch_looks", id: row.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome === "spent") throw wrongCode(0);
  if (guess.outcome === "wrong") throw wrongCode(guess.attemptsLeft);
  // Spent once (a burst of the right code gets one look), then counted against the day's looks.
  if (!row.request_id || !(await spendCode(deps.db, where, { status: "viewed", viewed_at: now })))
    throw wrongCode(0);
  const look = await deps.throttles.hit(`mismatch-look:${pair.nationalId}`, DAY_MS, now);
  if (look.count > MISMATCH_LIMITS.looksPerDay) {
    throw new TooManyRequests((look.windowEndsAt.getTime() - now.getTime()) / 1000);
  }
  const request = await deps.db
    .selectFrom("registration_requests")
    .select([
      "mismatch_fields",
      "first_name",
      "last_name",
      "gender",
      "birth_certificate_number",
      "birth_date",
      "email",
    ])
    .where("id", "=", row.request_id)
    .executeTakeFirstOrThrow();
  await recordEvent(
    deps.db,
    { accountId: null, nationalId: pair.nationalId, type: "registration.mismatchViewed" },
    client,
    now,
  );
  // What the person typed (never the registry's values), for a new registration with the rest filled in.
  const filled = {
    firstName: request.first_name,
    lastName: request.last_name,
    gender: request.gender,
    birthCertificateNumber: request.birth_certificate_number,
    birthDate: request.birth_date,
    email: request.email,
  };
  return { fields: request.mismatch_fields ?? [], filled };
}
