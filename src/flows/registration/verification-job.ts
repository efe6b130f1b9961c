// Verification of a submitted registration (R-VER): civil registry, then mobile ownership, then
// exactly one outcome with exactly one SMS. Re-running it at any point is harmless: the outcome is
// written only while the request is still pending, and its SMS is keyed to the request.

import { type Insertable, type Selectable, sql, type Transaction } from "kysely";
import { mismatchedFields } from "../../domain/identity-match.ts";
import { t } from "../../messages/index.ts";
import { backoffMs } from "../../platform/backoff.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type {
  AccountTable,
  Database,
  RegistrationRequestTable,
  StoredAnswer,
} from "../../platform/schema.ts";
import { type CivilRegistry, RegistryUnavailable } from "../../ports/civil-registry.ts";
import type { MobileOwnership } from "../../ports/mobile-ownership.ts";
import { type NewMessage, queueMessage, queueMessageFrom } from "../courier/courier.ts";

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
  const [outcome] = await verifyRegistrations(deps, [id]);
  if (outcome?.status === "rejected") throw outcome.reason;
}

/**
 * The requests of a fetched batch are read in one query; each is then verified and decided on its
 * own, so one request's failure (its job retried) leaves the others' outcomes standing.
 */
export async function verifyRegistrations(
  deps: VerifyDeps,
  ids: string[],
): Promise<PromiseSettledResult<void>[]> {
  const rows = await deps.db
    .selectFrom("registration_requests")
    .selectAll()
    .where(sql<boolean>`id = any(${ids}::uuid[])`)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return Promise.allSettled(ids.map((id) => verifyRequest(deps, byId.get(id))));
}

async function verifyRequest(deps: VerifyDeps, request: Request | undefined): Promise<void> {
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
      .where("id", "=", request.id)
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
  if (outcome.status === "identity_mismatch") {
    await claimAsMismatch(deps, request, outcome.fields, now);
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
  const answers = (request.security_answers ?? []) as StoredAnswer[];
  const claim = await claimIntoAccount(deps, account, answers, outcomeMessage(request, outcome.status), now);
  if (claim === "account exists") await decideBesideAccount(deps, request, account, answers, now);
}

const dedupeKey = (request: Request) => `registration:${request.id}:outcome`;

function outcomeMessage(request: Request, status: "active" | "awaiting_branch_activation"): NewMessage {
  const template = status === "active" ? "registration.activated" : "registration.awaitingBranch";
  const body = t("fa", `sms.${template}`, greeting(request));
  return { channel: "sms", to: request.mobile, template, body, dedupeKey: dedupeKey(request) };
}

/** The outcome's columns of a decided request: its secrets go with the decision (they live on in the account). */
function decided(status: Outcome["status"], now: Date) {
  return { status, decided_at: now, mismatch_fields: null, password_hash: null, security_answers: null };
}

/** One statement, so no transaction: the request claimed (only while pending) and its SMS queued. */
async function claimAsMismatch(
  deps: VerifyDeps,
  request: Request,
  fields: string[],
  now: Date,
): Promise<void> {
  const body = t("fa", "sms.registration.identityMismatch");
  const message: NewMessage = {
    channel: "sms",
    to: request.mobile,
    template: "registration.identityMismatch",
    body,
    dedupeKey: dedupeKey(request),
  };
  await sql`
    with claimed as (
      update registration_requests set status = 'identity_mismatch', decided_at = ${now},
        mismatch_fields = ${JSON.stringify(fields)}::jsonb, password_hash = null, security_answers = null
      where id = ${request.id} and status = 'pending'
      returning id),
    ${queueMessageFrom(deps.jobs, message, now, "claimed")}
    select count(*)::int as claimed from claimed`.execute(deps.db);
}

type NewAccount = Omit<Insertable<AccountTable>, "id" | "created_at"> & {
  status: "active" | "awaiting_branch_activation";
};

/**
 * One statement, so no transaction: the request locked while pending, its account created unless
 * the national ID has one, and only then the request claimed, the account's security answers
 * written and the outcome SMS queued. A national ID that has an account leaves the request pending
 * ("account exists") for decideBesideAccount.
 */
async function claimIntoAccount(
  deps: VerifyDeps,
  account: NewAccount,
  answers: StoredAnswer[],
  message: NewMessage,
  now: Date,
): Promise<"decided" | "not pending" | "account exists"> {
  const a = account;
  const result = await sql<{ pending: number; claimed: number }>`
    with request as (
      select id from registration_requests
      where id = ${a.registration_request_id} and status = 'pending'
      for update),
    account as (
      insert into accounts (id, created_at, national_id, mobile, email, first_name, last_name, gender,
        birth_date, birth_certificate_number, status, password_hash, registration_request_id, updated_at,
        activated_at)
      select ${crypto.randomUUID()}::uuid, ${now}::timestamptz, ${a.national_id}::text, ${a.mobile}::text,
        ${a.email}::text, ${a.first_name}::text, ${a.last_name}::text, ${a.gender}::text,
        ${a.birth_date}::text, ${a.birth_certificate_number}::text, ${a.status}::text,
        ${a.password_hash}::text, request.id, ${now}::timestamptz, ${a.activated_at ?? null}::timestamptz
      from request
      on conflict (national_id) do nothing
      returning id, registration_request_id),
    claimed as (
      update registration_requests r set status = ${a.status}, decided_at = ${now}, mismatch_fields = null,
        password_hash = null, security_answers = null
      from account where r.id = account.registration_request_id
      returning r.id),
    answers as (
      insert into security_answers (account_id, question_id, answer_hash)
      select account.id, q.question_id, q.answer_hash
      from account, unnest(${answers.map((x) => x.questionId)}::text[], ${answers.map((x) => x.hash)}::text[])
        as q(question_id, answer_hash)),
    ${queueMessageFrom(deps.jobs, message, now, "claimed")}
    select (select count(*)::int from request) as pending, (select count(*)::int from claimed) as claimed`.execute(
    deps.db,
  );
  const r = result.rows[0]!;
  if (r.claimed > 0) return "decided";
  return r.pending > 0 ? "account exists" : "not pending";
}

/**
 * The national ID already has an account (rare: a second registration, or two at once). A person
 * awaiting branch activation who registers again with a number the ownership registry confirms has
 * proved the number is theirs: that request replaces the waiting one. Otherwise never a second
 * account and never a changed password: tell the holder, not the requester.
 */
async function decideBesideAccount(
  deps: VerifyDeps,
  request: Request,
  account: NewAccount,
  answers: StoredAnswer[],
  now: Date,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable("registration_requests")
      .set(decided(account.status, now))
      .where("id", "=", request.id)
      .where("status", "=", "pending")
      .returning("id")
      .executeTakeFirst();
    if (!claimed) return;
    const existing = await trx
      .selectFrom("accounts")
      .select(["id", "status", "mobile"])
      .where("national_id", "=", request.national_id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (existing.status === "awaiting_branch_activation" && account.status === "active") {
      await replaceWaitingAccount(trx, existing.id, account, answers);
      await queueMessage(trx, deps.jobs, outcomeMessage(request, account.status), now);
      return;
    }
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
        dedupeKey: dedupeKey(request),
      },
      now,
    );
  });
}

async function replaceWaitingAccount(
  trx: Transaction<Database>,
  accountId: string,
  account: NewAccount,
  answers: StoredAnswer[],
): Promise<void> {
  await trx.updateTable("accounts").set(account).where("id", "=", accountId).execute();
  await trx.deleteFrom("security_answers").where("account_id", "=", accountId).execute();
  if (answers.length === 0) return;
  await trx
    .insertInto("security_answers")
    .values(answers.map((a) => ({ account_id: accountId, question_id: a.questionId, answer_hash: a.hash })))
    .execute();
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
