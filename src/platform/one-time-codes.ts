// One-time codes (R-REG, R-REC, R-ACCT, R-BRANCH, R-MFA): one mechanism for every code of every flow —
// issue (make, hash bound to its purpose, store, replace the earlier one), send, reserve a try, compare,
// spend. A flow keeps only what differs: its table's own columns, its texts, what success does.
// A 6-digit code has only a million values, so a slow hash would not save a leaked one; an HMAC under
// SECRET_KEY (kept outside the database) makes a database leak useless, and the 5-try limit protects it
// online. Each guess is reserved in the same statement that checks the limit (`attempts < max`), before
// the code is compared: a burst of parallel guesses gets exactly `max` comparisons.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import { type Insertable, sql, type Transaction } from "kysely";
import { compactNumber } from "../domain/digits.ts";
import { expireMessages, queueMessage } from "../flows/courier/courier.ts";
import { t } from "../messages/index.ts";
import type { Db } from "./database.ts";
import type { Jobs } from "./jobs.ts";
import type { Database } from "./schema.ts";

export const CODE_LENGTH = 6;
/** Wrong codes or answers before a code (or a recovery by questions) is dead. */
export const MAX_ATTEMPTS = 5;

export function newCode(): string {
  return String(randomInt(0, 10 ** CODE_LENGTH)).padStart(CODE_LENGTH, "0");
}

/** The code bound to its purpose (a recovery or change id), so it proves nothing anywhere else. */
export function hashCode(secretKey: string, purposeId: string, code: string): string {
  return createHmac("sha256", secretKey).update(`code:${purposeId}:${code}`).digest("base64url");
}

/**
 * Whether `code` is the one hashed in `stored`, under any key of the ring (SECRET_KEY rotation: the
 * first key hashes new codes, the older ones still verify codes sent before the rotation).
 */
export function codeMatches(
  secretKeys: readonly string[],
  stored: string | null | undefined,
  purposeId: string,
  code: string,
): boolean {
  return secretKeys.some((key) => sameHash(stored, hashCode(key, purposeId, code)));
}

export { hashToken, newToken } from "./tokens.ts";

export function sameHash(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Codes arrive as typed: Persian digits and spaces are fine. */
export function cleanCode(input: unknown): string {
  return typeof input === "string" ? compactNumber(input, /[\s-]/g) : "";
}

/**
 * Each table of codes: its rows carry `id`, `code_hash`, `attempts`, `status` and `expires_at`. `live`
 * is the status a code is guessed in; `open` the statuses an earlier row of the same holder dies from
 * when a new code replaces it; `decidedAt` whether the table records when a row ended.
 */
const TABLES = {
  mobile_verifications: { live: "pending", open: ["pending"], decidedAt: false },
  email_confirmations: { live: "pending", open: ["pending"], decidedAt: false },
  password_setups: { live: "pending", open: ["pending"], decidedAt: false },
  password_recoveries: { live: "pending", open: ["pending"], decidedAt: false },
  sign_in_codes: { live: "pending", open: ["pending"], decidedAt: false },
  mismatch_looks: { live: "pending", open: ["pending"], decidedAt: false },
  account_changes: { live: "pending_code", open: ["pending_code"], decidedAt: true },
  // A new activation voids one waiting for its second operator too.
  branch_activations: { live: "pending_code", open: ["pending_code", "pending_approval"], decidedAt: true },
} as const;

export type CodeTable = keyof typeof TABLES;

/** What the mechanism needs to issue and check codes (the flows' deps carry it). */
export type CodeSettings = {
  jobs: Jobs;
  /** The first key of SECRET_KEY: new codes are hashed under it. */
  secretKey: string;
  /** Every key of SECRET_KEY, newest first: codes sent before a rotation still verify. */
  secretKeys: readonly string[];
  codeMinutes: number;
  /** The host of PUBLIC_URL: every code SMS ends with the WebOTP line `@host #code`. */
  otpHost: string;
};

/** The message that carries a code. Its text (a key of fa.json) is filled with {code}, {minutes} and `params`. */
export type CodeMessage = {
  channel: "sms" | "email";
  to: string;
  template: string;
  text: string;
  /** The subject's key, for an email. */
  subject?: string;
  params?: Record<string, string | number>;
};

type Issued = "id" | "code_hash" | "status" | "expires_at" | "created_at" | "attempts";

/**
 * The WebOTP line (WICG origin-bound one-time codes): last in the SMS, it lets Android offer the code
 * to the page of that host and to no other.
 */
export function webOtpLine(host: string, code: string): string {
  return `@${host} #${code}`;
}

/** The text of a code's message: in Persian, and for an SMS the WebOTP line after it. */
export function codeText(
  settings: Pick<CodeSettings, "codeMinutes" | "otpHost">,
  message: CodeMessage,
  code: string,
) {
  const body = t("fa", message.text, { ...message.params, code, minutes: settings.codeMinutes });
  return message.channel === "sms" ? `${body}\n${webOtpLine(settings.otpHost, code)}` : body;
}

/** The dedupe key of a code's message. */
const codeKey = (purpose: string, id: string) => `${purpose}:${id}:code`;

/**
 * Issues a code inside the flow's transaction: the earlier live codes of the same holder (`replaces`:
 * column = value) die, the new row is stored with the code's HMAC bound to its id, and its message is
 * queued with the dedupe key `{purpose}:{id}:code`. `message` null stores the row and sends nothing
 * (a recovery for an unknown ID, a flooded address): the caller answers the same either way.
 */
export async function issueCode<T extends CodeTable>(
  trx: Transaction<Database>,
  settings: CodeSettings,
  spec: {
    table: T;
    purpose: string;
    row: Omit<Insertable<Database[T]>, Issued>;
    replaces?: Record<string, string>;
    message: CodeMessage | null;
  },
  now: Date,
): Promise<{ id: string; code: string }> {
  const { table } = spec;
  const shape = TABLES[table];
  if (spec.replaces) {
    const same = Object.entries(spec.replaces).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
    const decided = shape.decidedAt ? sql`, decided_at = ${now}` : sql``;
    const dead = await sql<{ id: string }>`update ${sql.table(table)} set status = 'dead'${decided}
      where ${sql.join(same, sql` and `)} and status in (${sql.join([...shape.open])}) returning id`.execute(
      trx,
    );
    // Their codes are void: a message still trying to carry one must not arrive after the new code.
    if (dead.rows.length)
      await expireMessages(
        trx,
        dead.rows.map((r) => codeKey(spec.purpose, r.id)),
        now,
      );
  }
  const id = crypto.randomUUID();
  const code = newCode();
  const row = {
    ...spec.row,
    id,
    code_hash: hashCode(settings.secretKey, id, code),
    status: shape.live,
    expires_at: new Date(now.getTime() + settings.codeMinutes * 60_000),
    created_at: now,
  };
  await trx
    .insertInto(table)
    .values(row as never)
    .execute();
  const message = spec.message;
  if (message) {
    await queueMessage(
      trx,
      settings.jobs,
      {
        channel: message.channel,
        to: message.to,
        template: message.template,
        body: codeText(settings, message, code),
        ...(message.subject ? { subject: t("fa", message.subject) } : {}),
        dedupeKey: codeKey(spec.purpose, id),
        code,
        expiresAt: row.expires_at,
      },
      now,
    );
  }
  return { id, code };
}

export type Guess = { outcome: "right" } | { outcome: "wrong"; attemptsLeft: number } | { outcome: "spent" };

/**
 * One try at a live row: reserved first (`attempts < max`, not expired), then judged by `matches`
 * (the stored hash in; a recovery by questions judges the answers instead). The try that spends the
 * last attempt on a wrong guess kills the row. "spent": no try was left, or the row is not live.
 */
export async function guessCode(
  db: Db,
  where: { table: CodeTable; id: string; status: string },
  now: Date,
  maxAttempts: number,
  matches: (codeHash: string | null) => boolean | Promise<boolean>,
): Promise<Guess> {
  const { table, id, status } = where;
  const reserved = await sql<{ attempts: number; code_hash: string | null }>`
    update ${sql.table(table)} set attempts = attempts + 1
    where id = ${id} and status = ${status} and attempts < ${maxAttempts} and expires_at > ${now}
    returning attempts, code_hash`.execute(db);
  const row = reserved.rows[0];
  if (!row) return { outcome: "spent" };
  if (await matches(row.code_hash)) return { outcome: "right" };
  if (row.attempts >= maxAttempts) {
    const decided = TABLES[table].decidedAt ? sql`, decided_at = ${now}` : sql``;
    await sql`update ${sql.table(table)} set status = 'dead'${decided}
      where id = ${id} and status = ${status}`.execute(db);
    return { outcome: "spent" };
  }
  return { outcome: "wrong", attemptsLeft: maxAttempts - row.attempts };
}

/** A code typed back for row `id` of `table`, compared under every key of the ring (5 tries). */
export function tryCode(
  db: Db,
  settings: Pick<CodeSettings, "secretKeys">,
  where: { table: CodeTable; id: string },
  code: string,
  now: Date,
): Promise<Guess> {
  return guessCode(db, { ...where, status: TABLES[where.table].live }, now, MAX_ATTEMPTS, (stored) =>
    codeMatches(settings.secretKeys, stored, where.id, code),
  );
}

/**
 * Spends a code proved right: its row leaves the live status for `to` (with the flow's own columns),
 * once; false when a parallel request spent it first.
 */
export async function spendCode(
  db: Db | Transaction<Database>,
  where: { table: CodeTable; id: string },
  to: Record<string, unknown> & { status: string },
): Promise<boolean> {
  const set = Object.entries(to).map(([column, value]) => sql`${sql.ref(column)} = ${value}`);
  const spent = await sql`update ${sql.table(where.table)} set ${sql.join(set)}
    where id = ${where.id} and status = ${TABLES[where.table].live} returning id`.execute(db);
  return spent.rows.length === 1;
}
