// Account reset (R-MFA, issue 19 item 4): a holder who lost every factor (phone, app, backup codes)
// but knows the password asks for it from a half session. It waits ACCOUNT_RESET_WAIT_MS with notices
// to the mobile and the confirmed email, and any full sign-in of the holder cancels it: whoever only
// knows the password is seen and stopped by the real holder. After the wait, a sign-in by password
// leads to a new mobile, proved by a code (one-time-codes.ts) and checked against the ownership
// registry like any change of mobile: owned → the mobile is replaced and the other factors go;
// not owned → the change waits for a branch (account_changes, pending_branch).
import type { ExpressionBuilder, Transaction } from "kysely";
import { withMethods } from "../../domain/authentication-level.ts";
import { formatJalaliDateTime } from "../../domain/jalali-date.ts";
import { maskMobile, parseMobile } from "../../domain/mobile.ts";
import { t } from "../../messages/index.ts";
import type { Db } from "../../platform/database.ts";
import { cleanCode, issueCode, spendCode, tryCode } from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { Database } from "../../platform/schema.ts";
import { refuseDuringHold } from "../account/contact-hold.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { ACCOUNT_LIMITS, type AccountDeps, ownsMobile } from "../account/service.ts";
import { type NewMessage, queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { endSsoSessions } from "../oidc/logout.ts";
import type { Authenticated } from "./auth.ts";
import { newSession, type SessionPolicy } from "./sessions.ts";

export const ACCOUNT_RESET_WAIT_MS = 24 * 3_600_000;
/** Resets asked per account per day: each sends notices, so a stranger cannot flood the holder. */
export const ACCOUNT_RESETS_PER_DAY = 3;

export type AccountResetDeps = AccountDeps & { sessions: SessionPolicy };
type Trx = Transaction<Database>;
/** The states of a reset that a full sign-in of its holder cancels. */
const OPEN = ["waiting", "ready"] as const;

/** In a read of `accounts as a`: `reset_open`, whether the holder has a reset a full sign-in cancels. */
export const resetOpen = (eb: ExpressionBuilder<Database & { a: Database["accounts"] }, "a">) =>
  eb
    .exists(
      eb
        .selectFrom("account_resets")
        .select("id")
        .whereRef("account_id", "=", "a.id")
        .where("status", "in", OPEN),
    )
    .as("reset_open");
const notReady = () => new Problem(403, "accountReset.notReady");

async function holder(db: Db | Trx, accountId: string) {
  return db
    .selectFrom("accounts")
    .select(["id", "national_id", "mobile", "email", "email_confirmed_at", "contact_hold_until"])
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
}

/**
 * `POST /api/login/account-reset`: the wait begins (or the one already running is told again, so
 * parallel requests make one reset and one set of notices).
 */
export async function startAccountReset(
  deps: AccountResetDeps,
  auth: Authenticated,
  client: Client,
): Promise<{ readyAt: Date }> {
  const now = deps.clock.now();
  if (deps.rateLimits) {
    const key = `account-reset:${auth.accountId}`;
    const { count, windowEndsAt } = await deps.throttles.hit(key, 86_400_000, now);
    if (count > ACCOUNT_RESETS_PER_DAY) {
      await deps.throttles.release(key);
      throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
    }
  }
  const readyAt = await deps.db.transaction().execute(async (trx) => {
    // The account's row is the lock: of two parallel starts, the second sees the first's reset.
    await trx.selectFrom("accounts").select("id").where("id", "=", auth.accountId).forUpdate().execute();
    const open = await trx
      .selectFrom("account_resets")
      .select("ready_at")
      .where("account_id", "=", auth.accountId)
      .where("status", "in", OPEN)
      .executeTakeFirst();
    if (open) return open.ready_at;
    const account = await holder(trx, auth.accountId);
    const id = crypto.randomUUID();
    const readyAt = new Date(now.getTime() + ACCOUNT_RESET_WAIT_MS);
    await trx
      .insertInto("account_resets")
      .values({ id, account_id: account.id, status: "waiting", created_at: now, ready_at: readyAt })
      .execute();
    const event = { accountId: account.id, nationalId: account.national_id, type: "accountReset.requested" };
    await recordEvent(trx, event, client, now);
    const params = { readyAt: formatJalaliDateTime(readyAt, "fa") };
    await notify(deps, trx, {
      channel: "sms",
      to: account.mobile,
      template: "accountReset.requested",
      body: t("fa", "sms.accountReset.requested", params),
      dedupeKey: `account-reset:${id}:requested:sms`,
    });
    if (account.email && account.email_confirmed_at) {
      await notify(deps, trx, {
        channel: "email",
        to: account.email,
        template: "accountReset.requested",
        subject: t("fa", "email.accountReset.requested.subject"),
        body: t("fa", "email.accountReset.requested.body", params),
        dedupeKey: `account-reset:${id}:requested:email`,
      });
    }
    return readyAt;
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { readyAt };
}

async function notify(deps: AccountResetDeps, trx: Trx, message: NewMessage) {
  await queueMessage(trx, deps.jobs, message, deps.clock.now());
}

/**
 * A full sign-in of the holder (password and second factor, a passkey, a remembered browser): the
 * reset is not needed, or was not theirs. Called wherever a full session is created.
 */
export async function cancelAccountReset(db: Db | Trx, accountId: string, now: Date): Promise<boolean> {
  const cancelled = await db
    .updateTable("account_resets")
    .set({ status: "cancelled", ended_at: now })
    .where("account_id", "=", accountId)
    .where("status", "in", OPEN)
    .returning("id")
    .execute();
  if (cancelled.length === 0) return false;
  const account = await holder(db, accountId);
  await recordEvent(
    db,
    { accountId, nationalId: account.national_id, type: "accountReset.cancelled" },
    { ip: null, userAgent: null },
    now,
  );
  return true;
}

/**
 * At a sign-in by password (before any second factor is asked): true when this account's reset has
 * served its wait, so the answer is `{next: "new_mobile"}` with a half session. Marks it ready.
 */
export async function enterAccountReset(db: Db, accountId: string, now: Date, client: Client) {
  const entered = await db
    .updateTable("account_resets")
    .set({ status: "ready" })
    .where("account_id", "=", accountId)
    .where("status", "in", OPEN)
    .where("ready_at", "<=", now)
    .returning("id")
    .execute();
  if (entered.length === 0) return false;
  const account = await holder(db, accountId);
  await recordEvent(
    db,
    { accountId, nationalId: account.national_id, type: "accountReset.signIn" },
    client,
    now,
  );
  return true;
}

/** The reset a half session may use: served its wait and entered by a sign-in. */
async function readyReset(db: Db | Trx, accountId: string) {
  return db
    .selectFrom("account_resets")
    .select("id")
    .where("account_id", "=", accountId)
    .where("status", "=", "ready")
    .executeTakeFirst();
}

/** `POST /api/login/account-reset/mobile`: a code to the new mobile, under the limits of a change of mobile. */
export async function requestResetMobile(
  deps: AccountResetDeps,
  auth: Authenticated,
  body: { mobile?: unknown },
  client: Client,
) {
  if (!(await readyReset(deps.db, auth.accountId))) throw notReady();
  const account = await holder(deps.db, auth.accountId);
  const now = deps.clock.now();
  refuseDuringHold(account, now);
  const mobile = parseMobile(body.mobile);
  if (!mobile.ok) throw new InvalidInput([{ field: "mobile", code: mobile.code }]);
  if (mobile.value === account.mobile)
    throw new InvalidInput([{ field: "mobile", code: "mobile.unchanged" }]);
  if (deps.rateLimits) {
    for (const [key, windowMs, max] of [
      [`change:mobile:cooldown:${account.id}`, ACCOUNT_LIMITS.codeCooldownMs, 1],
      [`change:mobile:day:${account.id}`, 86_400_000, ACCOUNT_LIMITS.codesPerDay],
    ] as const) {
      const { count, windowEndsAt } = await deps.throttles.hit(key, windowMs, now);
      if (count > max) throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
    }
  }
  await deps.db.transaction().execute(async (trx) => {
    await issueCode(
      trx,
      deps,
      {
        table: "account_changes",
        purpose: "account-reset",
        row: { account_id: account.id, kind: "mobile", new_value: mobile.value },
        replaces: { account_id: account.id, kind: "mobile" },
        message: {
          channel: "sms",
          to: mobile.value,
          template: "accountReset.mobileCode",
          text: "sms.accountReset.mobileCode",
        },
      },
      now,
    );
    const event = {
      accountId: account.id,
      nationalId: account.national_id,
      type: "accountReset.mobileCodeSent",
    };
    await recordEvent(trx, event, client, now);
  });
  deps.jobs.nudge(SEND_QUEUE);
}

export type ResetOutcome =
  | { status: "applied"; session: { token: string; expiresAt: Date } }
  | { status: "pending_branch" };

/**
 * `POST /api/login/account-reset/mobile/verify`: the code back from the new mobile. Owned: the mobile
 * is replaced, every other factor and session goes, and a full session opens. Not owned: the change
 * waits for a branch and the half session ends. Either way the reset is used.
 */
export async function verifyResetMobile(
  deps: AccountResetDeps,
  auth: Authenticated,
  body: { code?: unknown },
  client: Client,
): Promise<ResetOutcome> {
  const reset = await readyReset(deps.db, auth.accountId);
  if (!reset) throw notReady();
  const account = await holder(deps.db, auth.accountId);
  const now = deps.clock.now();
  const change = await deps.db
    .selectFrom("account_changes")
    .select(["id", "new_value", "expires_at"])
    .where("account_id", "=", account.id)
    .where("kind", "=", "mobile")
    .where("status", "=", "pending_code")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (!change || change.expires_at <= now) throw new Problem(400, "account.noPendingChange");
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  const where = { table: "account_changes", id: change.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome === "spent") throw new Problem(400, "account.changeLocked");
  if (guess.outcome === "wrong")
    throw new Problem(400, "account.wrongCode", { attemptsLeft: guess.attemptsLeft });

  const owned = await ownsMobile(deps, account.national_id, change.new_value);
  const status = owned ? "applied" : "pending_branch";
  const amr = withMethods(auth.amr, "sms");
  const session = owned
    ? newSession(account.id, now, deps.sessions, client, { stage: "full", amr, aal: 2 })
    : null;
  await deps.db.transaction().execute(async (trx) => {
    if (!(await spendCode(trx, where, { status, decided_at: now })))
      throw new Problem(400, "account.noPendingChange");
    // A holder's full sign-in in the meantime cancelled the reset: nothing is changed then.
    const used = await trx
      .updateTable("account_resets")
      .set({ status: "used", ended_at: now })
      .where("id", "=", reset.id)
      .where("status", "=", "ready")
      .returning("id")
      .executeTakeFirst();
    if (!used) throw notReady();
    const nationalId = account.national_id;
    if (owned) {
      await trx
        .updateTable("accounts")
        .set({ mobile: change.new_value, sms_second_factor: true, updated_at: now })
        .where("id", "=", account.id)
        .execute();
      await removeOtherFactors(trx, account.id, now);
    }
    // Every session goes, the half one too: whatever else was signed in may be the intruder's.
    await trx
      .updateTable("sessions")
      .set({ revoked_at: now })
      .where("account_id", "=", account.id)
      .where("revoked_at", "is", null)
      .execute();
    if (session) await trx.insertInto("sessions").values(session.row).execute();
    const type = `accountReset.${owned ? "applied" : "pendingBranch"}`;
    await recordEvent(trx, { accountId: account.id, nationalId, type }, client, now);
    const mobile = maskMobile(change.new_value);
    const template = owned ? "accountReset.applied" : "account.mobileChangePending";
    await notify(deps, trx, {
      channel: "sms",
      to: account.mobile,
      template,
      body: t("fa", `sms.${template}`, { mobile }),
      dedupeKey: `account-reset:${reset.id}:outcome:sms`,
    });
    if (owned && account.email && account.email_confirmed_at) {
      await notify(deps, trx, {
        channel: "email",
        to: account.email,
        template,
        subject: t("fa", "email.accountReset.applied.subject"),
        body: t("fa", "email.accountReset.applied.body", { mobile }),
        dedupeKey: `account-reset:${reset.id}:outcome:email`,
      });
    }
  });
  deps.jobs.nudge(SEND_QUEUE);
  if (!session) return { status: "pending_branch" };
  // The e-services' sessions of the account end with its other sessions.
  await endSsoSessions(deps.db, account.id, { everything: true });
  return { status: "applied", session: { token: session.token, expiresAt: session.expiresAt } };
}

/** Apps, passkeys, backup codes and remembered browsers: the factors the holder said were lost. */
async function removeOtherFactors(trx: Trx, accountId: string, now: Date) {
  await trx.deleteFrom("totp_factors").where("account_id", "=", accountId).execute();
  await trx
    .deleteFrom("passkeys")
    .where("owner_kind", "=", "account")
    .where("owner_id", "=", accountId)
    .execute();
  await trx.deleteFrom("backup_codes").where("account_id", "=", accountId).execute();
  await trx
    .updateTable("remembered_browsers")
    .set({ revoked_at: now })
    .where("account_id", "=", accountId)
    .where("revoked_at", "is", null)
    .execute();
}
