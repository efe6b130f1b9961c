// Verification of a submitted registration (R-VER): civil registry, then mobile ownership, then
// exactly one outcome with exactly one SMS. Re-running it at any point is harmless: the outcome is
// written only while the request is still pending, and its SMS is keyed to the request.

import type { Selectable } from "kysely";
import { mismatchedFields } from "../../domain/identity-match.ts";
import { t } from "../../messages/index.ts";
import { backoffMs } from "../../platform/backoff.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type { RegistrationRequestTable, StoredAnswer } from "../../platform/schema.ts";
import { type CivilRegistry, RegistryUnavailable } from "../../ports/civil-registry.ts";
import type { MobileOwnership } from "../../ports/mobile-ownership.ts";
import { queueMessage } from "../courier/courier.ts";

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

type Request = Selectable<RegistrationRequestTable>;
type Outcome =
  | { status: "identity_mismatch"; fields: string[] }
  | { status: "active" | "awaiting_branch_activation" };

export async function verifyRegistration(deps: VerifyDeps, id: string): Promise<void> {
  const request = await deps.db
    .selectFrom("registration_requests")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirst();
  if (request?.status !== "pending") return;
  const now = deps.clock.now();
  if (isExpired(request.created_at, now, deps.expiryHours)) {
    await expireRequests(deps.db, now, deps.expiryHours);
    return;
  }
  let outcome: Outcome;
  try {
    outcome = await ask(deps, request);
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
      .where("id", "=", id)
      .where("status", "=", "pending")
      .execute();
    return;
  }
  await decide(deps, request, outcome);
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

function greeting(request: Request): Record<string, string> {
  return {
    title: t("fa", `sms.title.${request.gender}`),
    name: `${request.first_name} ${request.last_name}`,
  };
}

async function decide(deps: VerifyDeps, request: Request, outcome: Outcome): Promise<void> {
  const now = deps.clock.now();
  const dedupeKey = `registration:${request.id}:outcome`;
  await deps.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable("registration_requests")
      .set({
        status: outcome.status,
        decided_at: now,
        mismatch_fields: outcome.status === "identity_mismatch" ? JSON.stringify(outcome.fields) : null,
        password_hash: null,
        security_answers: null,
      })
      .where("id", "=", request.id)
      .where("status", "=", "pending")
      .returning("id")
      .executeTakeFirst();
    if (!claimed) return;

    if (outcome.status === "identity_mismatch") {
      const body = t("fa", "sms.registration.identityMismatch");
      await queueMessage(
        trx,
        deps.jobs,
        { channel: "sms", to: request.mobile, template: "registration.identityMismatch", body, dedupeKey },
        now,
      );
      return;
    }

    const account = {
      national_id: request.national_id,
      mobile: request.mobile,
      email: request.email,
      first_name: request.first_name,
      last_name: request.last_name,
      gender: request.gender,
      birth_date: request.birth_date,
      birth_certificate_number: request.birth_certificate_number,
      status: outcome.status,
      password_hash: request.password_hash!,
      registration_request_id: request.id,
      updated_at: now,
      activated_at: outcome.status === "active" ? now : null,
    };
    let accountId = await trx
      .insertInto("accounts")
      .values({ id: crypto.randomUUID(), created_at: now, ...account })
      .onConflict((c) => c.column("national_id").doNothing())
      .returning("id")
      .executeTakeFirst()
      .then((row) => row?.id);

    if (!accountId) {
      const existing = await trx
        .selectFrom("accounts")
        .select(["id", "status", "mobile"])
        .where("national_id", "=", request.national_id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      // A person awaiting branch activation who registers again with a number the ownership
      // registry confirms has proved the number is theirs: that request replaces the waiting one.
      if (existing.status === "awaiting_branch_activation" && outcome.status === "active") {
        await trx.updateTable("accounts").set(account).where("id", "=", existing.id).execute();
        await trx.deleteFrom("security_answers").where("account_id", "=", existing.id).execute();
        accountId = existing.id;
      } else {
        // Never a second account and never a changed password: tell the holder, not the requester.
        await trx
          .updateTable("registration_requests")
          .set({ status: "duplicate" })
          .where("id", "=", request.id)
          .execute();
        const body = t("fa", "sms.registration.alreadyRegistered");
        await queueMessage(
          trx,
          deps.jobs,
          {
            channel: "sms",
            to: existing.mobile,
            template: "registration.alreadyRegistered",
            body,
            dedupeKey,
          },
          now,
        );
        return;
      }
    }

    const answers = (request.security_answers ?? []) as StoredAnswer[];
    if (answers.length > 0) {
      await trx
        .insertInto("security_answers")
        .values(
          answers.map((a) => ({ account_id: accountId, question_id: a.questionId, answer_hash: a.hash })),
        )
        .execute();
    }
    const template = outcome.status === "active" ? "registration.activated" : "registration.awaitingBranch";
    const body = t("fa", `sms.${template}`, greeting(request));
    await queueMessage(
      trx,
      deps.jobs,
      { channel: "sms", to: request.mobile, template, body, dedupeKey },
      now,
    );
  });
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
