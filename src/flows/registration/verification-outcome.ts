// The outcome of a verification written to the database: the request claimed while pending, its
// account (if any), and its one outcome SMS with the SMS's send job, each in as few statements as the
// case allows. Re-running any of them on a decided request writes nothing.

import { sql, type Transaction } from "kysely";
import { t } from "../../messages/index.ts";
import type { Database, StoredAnswer } from "../../platform/schema.ts";
import { type NewMessage, queueMessage, queueMessagesFrom } from "../courier/courier.ts";
import type { Outcome, Request, VerifyDeps } from "./verification-job.ts";

export type Decision = { request: Request; outcome: Outcome };
export type Claim = "decided" | "not pending" | "account exists";

function greeting(request: Request): Record<string, string> {
  return {
    title: t("fa", `sms.title.${request.gender}`),
    name: `${request.first_name} ${request.last_name}`,
  };
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
export async function claimAsMismatch(
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
    ${queueMessagesFrom(deps.jobs, [[request.id, message]], now, "claimed")}
    select count(*)::int as claimed from claimed`.execute(deps.db);
}

type AccountOutcome = "active" | "awaiting_branch_activation";

/**
 * The new accounts of a batch in one statement; if it fails, each request is tried on its own, so
 * that one request's failure does not fail the others.
 */
export async function claimIntoAccounts(
  deps: VerifyDeps,
  decisions: Decision[],
): Promise<Map<string, PromiseSettledResult<Claim>>> {
  const settled = (claims: Map<string, Claim>) =>
    new Map([...claims].map(([id, value]) => [id, { status: "fulfilled", value } as const]));
  if (decisions.length === 0) return new Map();
  try {
    return settled(await claimStatement(deps, decisions));
  } catch (error) {
    if (decisions.length === 1)
      return new Map([[decisions[0]!.request.id, { status: "rejected", reason: error }]]);
    const singles = await Promise.allSettled(decisions.map((d) => claimStatement(deps, [d])));
    return new Map(
      decisions.map((d, i): [string, PromiseSettledResult<Claim>] => {
        const single = singles[i]!;
        if (single.status === "rejected") return [d.request.id, single];
        return [d.request.id, { status: "fulfilled", value: single.value.get(d.request.id)! }];
      }),
    );
  }
}

/**
 * One statement, so no transaction: each request locked while pending, its account created (from
 * the request's own row) unless the national ID has one, and only then the request claimed, the
 * account's security answers written and the outcome SMS queued. A national ID that has an account
 * leaves its request pending ("account exists") for decideBesideAccount.
 */
async function claimStatement(deps: VerifyDeps, decisions: Decision[]): Promise<Map<string, Claim>> {
  const now = deps.clock.now();
  const input = decisions.map(({ request, outcome }) => ({
    request_id: request.id,
    account_id: crypto.randomUUID(),
    status: outcome.status,
  }));
  const messages = decisions.map(({ request, outcome }): [string, NewMessage] => [
    request.id,
    outcomeMessage(request, outcome.status as AccountOutcome),
  ]);
  const result = await sql<{ id: string; claimed: boolean }>`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb)
        as i(request_id uuid, account_id uuid, status text)),
    request as (
      select r.*, i.account_id, i.status as outcome
      from registration_requests r join input i on i.request_id = r.id
      where r.status = 'pending'
      for update of r),
    account as (
      insert into accounts (id, created_at, national_id, mobile, email, first_name, last_name, gender,
        birth_date, birth_certificate_number, status, password_hash, registration_request_id, updated_at,
        activated_at)
      select account_id, ${now}::timestamptz, national_id, mobile, email, first_name, last_name, gender,
        birth_date, birth_certificate_number, outcome, password_hash, id, ${now}::timestamptz,
        case when outcome = 'active' then ${now}::timestamptz end
      from request
      on conflict (national_id) do nothing
      returning id, registration_request_id),
    claimed as (
      update registration_requests r set status = q.outcome, decided_at = ${now}, mismatch_fields = null,
        password_hash = null, security_answers = null
      from request q join account a on a.registration_request_id = q.id
      where r.id = q.id
      returning r.id),
    answers as (
      insert into security_answers (account_id, question_id, answer_hash)
      select a.id, x->>'questionId', x->>'hash'
      from account a join request q on q.id = a.registration_request_id,
        jsonb_array_elements(coalesce(q.security_answers, '[]'::jsonb)) x),
    ${queueMessagesFrom(deps.jobs, messages, now, "claimed")}
    select q.id, exists (select 1 from claimed c where c.id = q.id) as claimed from request q`.execute(
    deps.db,
  );
  const pending = new Map(result.rows.map((r) => [r.id, r.claimed]));
  return new Map(
    decisions.map(({ request }): [string, Claim] => {
      const claimed = pending.get(request.id);
      return [request.id, claimed === undefined ? "not pending" : claimed ? "decided" : "account exists"];
    }),
  );
}

/**
 * The national ID already has an account (rare: a second registration, or two at once). A person
 * awaiting branch activation who registers again with a number the ownership registry confirms has
 * proved the number is theirs: that request replaces the waiting one. Otherwise never a second
 * account and never a changed password: tell the holder, not the requester.
 */
export async function decideBesideAccount(
  deps: VerifyDeps,
  request: Request,
  status: AccountOutcome,
  now: Date,
): Promise<void> {
  const account = accountOf(request, status, now);
  const answers = (request.security_answers ?? []) as StoredAnswer[];
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

function accountOf(request: Request, status: AccountOutcome, now: Date) {
  return {
    national_id: request.national_id,
    mobile: request.mobile,
    email: request.email,
    first_name: request.first_name,
    last_name: request.last_name,
    gender: request.gender,
    birth_date: request.birth_date,
    birth_certificate_number: request.birth_certificate_number,
    status,
    password_hash: request.password_hash!,
    registration_request_id: request.id,
    updated_at: now,
    activated_at: status === "active" ? now : null,
  };
}

async function replaceWaitingAccount(
  trx: Transaction<Database>,
  accountId: string,
  account: ReturnType<typeof accountOf>,
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
