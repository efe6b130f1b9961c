// Tracking (R-TRK): the state of the latest request for a national ID + mobile pair.
import { parseMobile } from "../../domain/mobile.ts";
import { parseNationalId } from "../../domain/national-id.ts";
import type { FieldError } from "../../domain/result.ts";
import { type Db, prepared } from "../../platform/database.ts";
import { InvalidInput } from "../../platform/problems.ts";
import { isExpired } from "../registration/verification-job.ts";

export const TRACKING_STATUSES = [
  "pending",
  "active",
  "awaiting_branch_activation",
  "identity_mismatch",
  "expired",
  "not_found",
] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

export type Pair = { nationalId: string; mobile: string };

/** The national ID and mobile a tracking (or a mismatch look) asks about, canonical; 400 when invalid. */
export function parsePair(body: { nationalId?: unknown; mobile?: unknown }): Pair {
  const nationalId = parseNationalId(body.nationalId);
  const mobile = parseMobile(body.mobile);
  const errors: FieldError[] = [];
  if (!nationalId.ok) errors.push({ field: "nationalId", code: nationalId.code });
  if (!mobile.ok) errors.push({ field: "mobile", code: mobile.code });
  if (!nationalId.ok || !mobile.ok) throw new InvalidInput(errors);
  return { nationalId: nationalId.value, mobile: mobile.value };
}

/** The pair's latest registration request. */
export async function latestRequest(db: Db, pair: Pair) {
  // Prepared by name (decision 014): a hot path of one fixed statement, planned once per connection
  // instead of at every lookup (on PGlite planning also asks the file system for each relation's size).
  const latest = db
    .selectFrom("registration_requests")
    .select(["id", "status", "created_at"])
    .where("national_id", "=", pair.nationalId)
    .where("mobile", "=", pair.mobile)
    .orderBy("created_at", "desc")
    .limit(1)
    .compile();
  return (await db.executeQuery(prepared("tracking.latest", latest))).rows[0];
}

export async function trackRegistration(
  db: Db,
  body: { nationalId?: unknown; mobile?: unknown },
  now: Date,
  expiryHours: number,
): Promise<TrackingStatus> {
  const pair = parsePair(body);
  const request = await latestRequest(db, pair);
  if (!request) return "not_found";
  switch (request.status) {
    case "pending":
    // A request refused because an account exists looks, to whoever holds only this pair, like one
    // still in review: the holder of the account was told by SMS instead.
    case "duplicate":
      return isExpired(request.created_at, now, expiryHours) ? "expired" : "pending";
    case "active":
    case "awaiting_branch_activation": {
      // The account may have moved on since (a branch activated it).
      const account = await db
        .selectFrom("accounts")
        .select("status")
        .where("national_id", "=", pair.nationalId)
        .where("mobile", "=", pair.mobile)
        .executeTakeFirst();
      return account?.status === "active" ? "active" : request.status;
    }
    default:
      return request.status;
  }
}
