// Verification of a submitted registration (R-VER): civil registry, then mobile ownership, then
// exactly one outcome with exactly one SMS. Re-running it at any point is harmless: the outcome is
// written only while the request is still pending, and its SMS is keyed to the request.

import { type Selectable, sql } from "kysely";
import { mismatchedFields } from "../../domain/identity-match.ts";
import { backoffMs } from "../../platform/backoff.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type { RegistrationRequestTable } from "../../platform/schema.ts";
import { type CivilRegistry, RegistryUnavailable } from "../../ports/civil-registry.ts";
import type { MobileOwnership } from "../../ports/mobile-ownership.ts";
import {
  type Claim,
  claimAsMismatch,
  claimIntoAccounts,
  type Decision,
  decideBesideAccount,
} from "./verification-outcome.ts";

export const VERIFY_QUEUE = "registration-verify";
/** A request handed to a job is left alone this long before the sweeper hands it out again. */
export const VERIFY_LEASE_MS = 60_000;

export type VerifyDeps = {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  registry: CivilRegistry;
  mobileOwnership: MobileOwnership;
  expiryHours: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  random?: () => number;
};

export type Request = Selectable<RegistrationRequestTable>;
export type Outcome =
  | { status: "identity_mismatch"; fields: string[] }
  | { status: "active" | "awaiting_branch_activation" };

export async function verifyRegistration(deps: VerifyDeps, id: string): Promise<void> {
  const [outcome] = await verifyRegistrations(deps, [id]);
  if (outcome?.status === "rejected") throw outcome.reason;
}

/**
 * The requests of a fetched batch are read in one query and their new accounts claimed in one
 * statement; any other step is a request's own, so one request's failure (its job retried) leaves
 * the others' outcomes standing.
 */
export async function verifyRegistrations(
  deps: VerifyDeps,
  ids: string[],
): Promise<PromiseSettledResult<void>[]> {
  const unique = [...new Set(ids)];
  const rows = await deps.db
    .selectFrom("registration_requests")
    .selectAll()
    .where(sql<boolean>`id = any(${unique}::uuid[])`)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const asked = await Promise.allSettled(unique.map((id) => consult(deps, byId.get(id))));
  const toAccounts = asked.flatMap((a) =>
    a.status === "fulfilled" && a.value && a.value.outcome.status !== "identity_mismatch" ? [a.value] : [],
  );
  const claims = await claimIntoAccounts(deps, toAccounts);
  const settled = await Promise.allSettled(asked.map((a) => settle(deps, a, claims)));
  const byUnique = new Map(unique.map((id, i) => [id, settled[i]!]));
  return ids.map((id) => byUnique.get(id)!);
}

/** The registries' answer for a pending request; undefined when there is nothing to decide now. */
async function consult(deps: VerifyDeps, request: Request | undefined): Promise<Decision | undefined> {
  if (request?.status !== "pending") return undefined;
  const now = deps.clock.now();
  if (isExpired(request.created_at, now, deps.expiryHours)) {
    await expireRequests(deps.db, now, deps.expiryHours);
    return undefined;
  }
  try {
    return { request, outcome: await ask(deps, request) };
  } catch (error) {
    if (!(error instanceof RegistryUnavailable)) throw error;
    // An unavailable registry postpones the verification; it never decides it.
    const attempts = request.attempts + 1;
    const wait = backoffMs(attempts, deps.retryBaseMs ?? 2_000, deps.retryMaxMs ?? 300_000, deps.random);
    await deps.db
      .updateTable("registration_requests")
      .set({
        attempts,
        last_error: error.message.slice(0, 500),
        next_attempt_at: new Date(now.getTime() + wait),
      })
      .where("id", "=", request.id)
      .where("status", "=", "pending")
      .execute();
    return undefined;
  }
}

async function settle(
  deps: VerifyDeps,
  asked: PromiseSettledResult<Decision | undefined>,
  claims: Map<string, PromiseSettledResult<Claim>>,
): Promise<void> {
  if (asked.status === "rejected") throw asked.reason;
  if (!asked.value) return;
  const { request, outcome } = asked.value;
  const now = deps.clock.now();
  if (outcome.status === "identity_mismatch") {
    await claimAsMismatch(deps, request, outcome.fields, now);
    return;
  }
  const claim = claims.get(request.id);
  if (claim?.status === "rejected") throw claim.reason;
  if (claim?.value === "account exists") await decideBesideAccount(deps, request, outcome.status, now);
}

async function ask(deps: VerifyDeps, request: Request): Promise<Outcome> {
  const record = await deps.registry.findPerson(request.national_id);
  if (!record) return { status: "identity_mismatch", fields: ["nationalId"] };
  const fields = mismatchedFields(
    {
      firstName: request.first_name,
      lastName: request.last_name,
      gender: request.gender,
      birthCertificateNumber: request.birth_certificate_number,
      birthDate: request.birth_date,
    },
    record,
  );
  if (fields.length > 0) return { status: "identity_mismatch", fields };
  const owned = await deps.mobileOwnership.isOwner(request.national_id, request.mobile);
  return { status: owned ? "active" : "awaiting_branch_activation" };
}

export function isExpired(createdAt: Date, now: Date, expiryHours: number): boolean {
  return now.getTime() - createdAt.getTime() >= expiryHours * 3_600_000;
}

/** Requests with no outcome after the expiry window (48 h) end as expired; the person may register again. */
export async function expireRequests(db: Db, now: Date, expiryHours: number): Promise<number> {
  const cutoff = new Date(now.getTime() - expiryHours * 3_600_000);
  const result = await db
    .updateTable("registration_requests")
    .set({ status: "expired", decided_at: now, password_hash: null, security_answers: null })
    .where("status", "in", ["pending", "duplicate"])
    .where("created_at", "<=", cutoff)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
