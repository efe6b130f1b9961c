// Outgoing SMS and email as stored messages (the shape of Ory Kratos' courier): queued inside the
// business transaction that causes them, sent by a job, retried with back-off, sent once per event.
import { type RawBuilder, type Selectable, sql, type Transaction } from "kysely";
import { backoffMs } from "../../platform/backoff.ts";
import type { Clock } from "../../platform/clock.ts";
import { type Db, WRITE_TRIES, whileUnavailable } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type { Metrics } from "../../platform/metrics.ts";
import type { Database, MessageTable } from "../../platform/schema.ts";
import type { EmailSender } from "../../ports/email.ts";
import { DeliveryFailed, type SmsSender } from "../../ports/sms.ts";

export const SEND_QUEUE = "courier-send";
/** Tries of a message without an expiry; one that carries a code is tried until its code expires. */
export const MAX_SEND_ATTEMPTS = 12;
/** How long a message handed to a job is left to it before the sweeper hands it out again. */
export const SEND_LEASE_MS = 60_000;
/**
 * Waits before the next try, jittered (backoffMs): a code is awaited by someone holding a form open,
 * so 1, 2, 4, 4… s; any other message backs off from 2 s to 5 minutes, easy on a failing gateway.
 */
const RETRY = { code: { baseMs: 1_000, maxMs: 4_000 }, other: { baseMs: 2_000, maxMs: 300_000 } };

export type NewMessage = {
  channel: "sms" | "email";
  to: string;
  template: string;
  body: string;
  /** One message per business event: a second queueing with the same key is ignored. */
  dedupeKey: string;
  subject?: string;
  /** The one-time code the body carries: it is kept readable only until the message is final. */
  code?: string;
  /** When that code expires: the message is abandoned rather than posted after it. */
  expiresAt?: Date;
};

// Codes are six digits; the other numbers in those texts (minutes) are one or two.
const CODE = /(?<![0-9])[0-9]{6}(?![0-9])/;
const redact = (body: string) => body.replace(new RegExp(CODE, "g"), "••••••");

/** The stored row of a message about to be queued; both ways of queueing write this row. */
function messageRow(message: NewMessage, now: Date) {
  if (message.code !== undefined && CODE.exec(message.body)?.[0] !== message.code) {
    throw new Error(`message ${message.template}: its body must carry its code as six digits`);
  }
  const body = message.channel === "email" ? `${message.subject ?? ""}\n\n${message.body}` : message.body;
  return {
    id: crypto.randomUUID(),
    channel: message.channel,
    recipient: message.to,
    template: message.template,
    body,
    dedupe_key: message.dedupeKey,
    contains_code: message.code !== undefined,
    status: "queued" as const,
    // Leased to the job sent with it; the sweeper picks it up again only if that job is lost.
    next_attempt_at: new Date(now.getTime() + SEND_LEASE_MS),
    created_at: now,
    expires_at: message.expiresAt ?? null,
  };
}

export async function queueMessage(
  trx: Transaction<Database>,
  jobs: Jobs,
  message: NewMessage,
  now: Date,
): Promise<boolean> {
  // The key first: `messages` is partitioned by month and can hold a key once per row, not once in all.
  const row = messageRow(message, now);
  const list = sql.join(Object.keys(row).map((c) => sql.ref(c)));
  const values = sql.join(Object.keys(row).map((c) => sql.ref(`r.${c}`)));
  const result = await sql<{ id: string }>`with message_key as (
      insert into message_keys (dedupe_key, created_at) values (${row.dedupe_key}, ${now})
      on conflict (dedupe_key) do nothing
      returning dedupe_key)
    insert into messages (${list})
    select ${values} from message_key, jsonb_populate_record(null::messages, ${JSON.stringify(row)}::jsonb) r
    returning id`.execute(trx);
  const inserted = result.rows[0];
  if (inserted) await jobs.sendInTransaction(trx, SEND_QUEUE, { id: inserted.id });
  return inserted !== undefined;
}

/**
 * The queued messages of these dedupe keys expire now (a code replaced by a newer one): the courier
 * abandons them at their next try instead of posting them after the new code.
 */
export async function expireMessages(trx: Transaction<Database>, dedupeKeys: string[], now: Date) {
  await trx
    .updateTable("messages")
    .set({ expires_at: now })
    .where("dedupe_key", "in", dedupeKeys)
    .where("status", "=", "queued")
    .execute();
}

/**
 * The same as queueMessage, as two CTEs (`message`, `message_job`) of the caller's statement: each
 * message, keyed by an `id` of `from` (a CTE), is written with its send job only if `from` has that
 * row, in that one round trip. The rows go in as JSON read back as `messages` records, so each value
 * takes its column's type.
 */
export function queueMessagesFrom(
  jobs: Jobs,
  messages: [key: string, message: NewMessage][],
  now: Date,
  from: string,
): RawBuilder<unknown> {
  const rows = messages.map(([key, message]) => ({ key, message: messageRow(message, now) }));
  const columns = Object.keys(rows[0]?.message ?? {});
  if (columns.length === 0) throw new Error("queueMessagesFrom: no message to queue");
  const list = sql.join(columns.map((c) => sql.ref(c)));
  const values = sql.join(columns.map((c) => sql.ref(`r.${c}`)));
  const source = sql`${sql.table(from)} f join jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as i(key text, message jsonb)
        on i.key = f.id::text, jsonb_populate_record(null::messages, i.message) r`;
  // The keys first, as queueMessage does: a message goes in only if its key was new.
  return sql`message_key as (
      insert into message_keys (dedupe_key, created_at)
      select r.dedupe_key, r.created_at from ${source}
      on conflict (dedupe_key) do nothing
      returning dedupe_key),
    message as (
      insert into messages (${list})
      select ${values}
      from ${source}
      where r.dedupe_key in (select dedupe_key from message_key)
      returning id),
    message_job as (${jobs.insertFrom(SEND_QUEUE, "message")})`;
}

export type CourierDeps = {
  db: Db;
  /** A failed send's next try is a job of its own, due at that time. */
  jobs: Jobs;
  sms: SmsSender;
  email: EmailSender;
  clock: Clock;
  random?: () => number;
  /** Waits between tries of a lost write (default setTimeout); tests pass one that does not sleep. */
  pause?: (ms: number) => Promise<void>;
  metrics?: Pick<Metrics, "messagesAbandoned">;
};

/** Tries of the write recording a send's result, 0.25 s apart doubling: ~8 s, a PostgreSQL restart. */
export const RECORD_TRIES = WRITE_TRIES;

/**
 * The write that records what the provider already did, tried again while the database is away: a
 * lost "sent" mark leaves the message queued, and the next attempt posts the same id once more (the
 * gateway drops it by its idempotency key, but only if it keeps one). Past RECORD_TRIES it throws and
 * that resend is what remains.
 */
function record<T>(deps: CourierDeps, write: () => Promise<T>): Promise<T> {
  return whileUnavailable(write, deps.pause);
}

/** How long a claimed send is left to its process before another may take it over (a crash). */
export const SEND_CLAIM = "2 minutes";

export async function sendMessage(deps: CourierDeps, id: string): Promise<void> {
  const [outcome] = await sendMessages(deps, [id]);
  if (outcome?.status === "rejected") throw outcome.reason;
}

type Message = Selectable<MessageTable>;

/**
 * The messages of a fetched batch: claimed in one statement, posted side by side, and the sent ones
 * marked in one statement. A failed post is recorded on its own and fails nobody else's job; a sent
 * mark lost past RECORD_TRIES fails the jobs of all the messages it was for (each then resent once
 * its claim runs out, under its own id).
 */
export async function sendMessages(deps: CourierDeps, ids: string[]): Promise<PromiseSettledResult<void>[]> {
  const now = deps.clock.now();
  const all = await claimSends(deps, ids);
  // A code that has expired is worth nothing: its message is abandoned, never posted late.
  const claimed = all.filter((m) => !isExpired(m, now));
  const failures = new Map<string, Promise<void>>();
  for (const m of all) {
    if (isExpired(m, now))
      failures.set(m.id, settleFailure(deps, m, { final: "expired", error: "code expired" }));
  }
  const posts = await postInOrder(deps, claimed, ids);
  const sent = claimed.filter((_, i) => posts[i]!.status === "fulfilled");
  for (const [i, outcome] of posts.entries()) {
    if (outcome.status === "rejected")
      failures.set(claimed[i]!.id, recordFailure(deps, claimed[i]!, outcome.reason));
  }
  const marked = sent.length ? markSent(deps, sent).then(() => undefined) : Promise.resolve();
  const sentIds = new Set(sent.map((m) => m.id));
  return Promise.allSettled(ids.map((id) => failures.get(id) ?? (sentIds.has(id) ? marked : undefined)));
}

/**
 * Claimed in the statement that reads them, on the database's clock, so that two processes (a job
 * and the sweeper's re-dispatch of it, or a process whose clock is off) never post one at the same
 * time. Tried again like a record when the connection goes (under the same claim id, so a claim whose
 * answer was lost is this send's own, not someone else's for SEND_CLAIM).
 */
async function claimSends(deps: CourierDeps, ids: string[]): Promise<Message[]> {
  const claim = crypto.randomUUID();
  return record(deps, async () => {
    const claimed = await sql<Message>`
      update messages set sending_until = now() + ${SEND_CLAIM}::interval, sending_claim = ${claim}
      where id = any(${ids}::uuid[]) and status = 'queued'
        and (sending_until is null or sending_until < now() or sending_claim = ${claim})
      returning *`.execute(deps.db);
    return claimed.rows;
  });
}

/**
 * Posted side by side, but one recipient's messages one after another, oldest first: a new code must
 * not reach the phone before the one it replaced (a batch may hold both). `ids` come in the order of
 * their jobs, which breaks a tie of `created_at` (a clock that did not move between them).
 */
function postInOrder(
  deps: CourierDeps,
  messages: Message[],
  ids: string[],
): Promise<PromiseSettledResult<void>[]> {
  const order = new Map(ids.map((id, i) => [id, i]));
  const rank = (m: Message) => order.get(m.id) ?? 0;
  const oldestFirst = [...messages].sort(
    (a, b) => a.created_at.getTime() - b.created_at.getTime() || rank(a) - rank(b),
  );
  const last = new Map<string, Promise<unknown>>();
  const posted = new Map<Message, Promise<void>>();
  for (const m of oldestFirst) {
    const sending = (last.get(m.recipient) ?? Promise.resolve()).then(() => post(deps, m));
    last.set(
      m.recipient,
      sending.catch(() => undefined),
    );
    posted.set(m, sending);
  }
  return Promise.allSettled(messages.map((m) => posted.get(m)!));
}

async function post(deps: CourierDeps, message: Message): Promise<void> {
  const { id } = message;
  if (message.channel === "sms") {
    const code = message.contains_code ? CODE.exec(message.body)?.[0] : undefined;
    await deps.sms.send({ id, to: message.recipient, text: message.body, ...(code ? { code } : {}) });
  } else {
    const [subject = "", ...rest] = message.body.split("\n\n");
    await deps.email.send({ id, to: message.recipient, subject, text: rest.join("\n\n") });
  }
}

const isExpired = (message: Message, at: Date) => message.expires_at !== null && message.expires_at <= at;

export type AbandonReason = "refused" | "expired" | "attempts";

/**
 * A failed post: abandoned when the gateway refused it for good, when its code would expire before
 * the next try, or (a message without an expiry) after MAX_SEND_ATTEMPTS; otherwise tried again.
 */
async function recordFailure(deps: CourierDeps, message: Message, error: unknown): Promise<void> {
  const attempts = message.attempts + 1;
  const retry = message.contains_code ? RETRY.code : RETRY.other;
  const retryAt = new Date(
    deps.clock.now().getTime() + backoffMs(attempts, retry.baseMs, retry.maxMs, deps.random),
  );
  const final: AbandonReason | undefined =
    error instanceof DeliveryFailed && !error.retryable
      ? "refused"
      : message.expires_at
        ? isExpired(message, retryAt)
          ? "expired"
          : undefined
        : attempts >= MAX_SEND_ATTEMPTS
          ? "attempts"
          : undefined;
  await settleFailure(deps, message, { final, error, retryAt });
}

/**
 * Written once the post failed (or was not made): the message abandoned, with its code redacted, or
 * queued again with a job due at `retryAt` in the same transaction — the sweeper's 5 s round and its
 * lease are only for a job that is lost, so a code's 1 s retry is not stretched to 5 s or 60 s.
 */
async function settleFailure(
  deps: CourierDeps,
  message: Message,
  outcome: { final: AbandonReason | undefined; error: unknown; retryAt?: Date },
): Promise<void> {
  const { final, error } = outcome;
  const retryAt = outcome.retryAt ?? deps.clock.now();
  const written = await record(deps, () =>
    deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("messages")
        .set({
          attempts: final === "expired" ? message.attempts : message.attempts + 1,
          status: final ? "abandoned" : "queued",
          ...(final && message.contains_code ? { body: redact(message.body) } : {}),
          last_error: String(error instanceof Error ? error.message : error).slice(0, 500),
          next_attempt_at: new Date(retryAt.getTime() + SEND_LEASE_MS),
          sending_until: null,
          sending_claim: null,
        })
        .where("id", "=", message.id)
        .where("status", "=", "queued")
        .returning("id")
        .executeTakeFirst();
      if (row && !final)
        await deps.jobs.sendInTransaction(trx, SEND_QUEUE, { id: row.id }, { startAfter: retryAt });
      return row !== undefined;
    }),
  );
  if (written && final) deps.metrics?.messagesAbandoned.inc({ channel: message.channel, reason: final });
}

/** One statement for all of them; a body that carried a code is replaced by its redacted copy. */
async function markSent(deps: CourierDeps, messages: Message[]): Promise<void> {
  const redacted = Object.fromEntries(
    messages.filter((m) => m.contains_code).map((m) => [m.id, redact(m.body)]),
  );
  await record(deps, () =>
    deps.db
      .updateTable("messages")
      .set({
        status: "sent",
        sent_at: deps.clock.now(),
        provider: sql<string>`case channel when 'sms' then ${deps.sms.name} else ${deps.email.name} end`,
        attempts: sql<number>`attempts + 1`,
        sending_until: null,
        sending_claim: null,
        body: sql<string>`coalesce(${JSON.stringify(redacted)}::jsonb ->> id::text, body)`,
      })
      .where(sql<boolean>`id = any(${messages.map((m) => m.id)}::uuid[])`)
      .where("status", "=", "queued")
      .execute(),
  );
}
