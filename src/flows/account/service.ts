// Account self-service (R-ACCT): password, mobile, email and security questions. Each change needs
// the current password (re-authentication), is recorded as a security event, and is announced on
// the old contact so that a hijacker cannot change things quietly.
import type { Transaction } from "kysely";
import { commonPasswords } from "../../domain/common-passwords.ts";
import { parseEmail } from "../../domain/email.ts";
import { maskMobile, parseMobile } from "../../domain/mobile.ts";
import { validatePasswordPair } from "../../domain/password-policy.ts";
import { validateSecurityAnswers } from "../../domain/security-questions.ts";
import { t } from "../../messages/index.ts";
import { reserveFlat } from "../../platform/attempts.ts";
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
import { hashSecret, verifySecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { Database } from "../../platform/schema.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { RegistryUnavailable } from "../../ports/civil-registry.ts";
import type { MobileOwnership } from "../../ports/mobile-ownership.ts";
import { type NewMessage, queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { forgetRememberedBrowsers } from "../factors/remembered-browsers.ts";
import type { Authenticated } from "../login/auth.ts";
import { endAccountSessions } from "../login/sessions.ts";
import { refuseDuringHold } from "./contact-hold.ts";
import { type Client, recordEvent } from "./security-events.ts";

export const ACCOUNT_LIMITS = {
  /** Wrong current passwords per account per 15 minutes before re-authentication waits (429). */
  reauthFailures: 5,
  reauthWindowMs: 15 * 60_000,
  /** One code per account and kind per minute; five per day. */
  codeCooldownMs: 60_000,
  codesPerDay: 5,
};

export type AccountDeps = CodeSettings & {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
  mobileOwnership: MobileOwnership;
};

type Body = Record<string, unknown>;

async function loadAccount(db: Db, accountId: string) {
  return db
    .selectFrom("accounts")
    .select([
      "id",
      "national_id",
      "mobile",
      "email",
      "password_hash",
      "first_name",
      "last_name",
      "birth_date",
      "contact_hold_until",
    ])
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
}

/** How long a second factor given at a sign-in stands in for the current password (R-MFA). */
export const FRESH_FACTOR_MS = 10 * 60_000;

/**
 * The account, once its holder proved themselves again for a change of factors: the current password
 * in `body.currentPassword`, or a session whose second factor was given in the last 10 minutes. A
 * remembered browser reaches level 2 without one (its amr has no "mfa"): it asks the password.
 */
export async function proveHolder(deps: AccountDeps, auth: Authenticated, body: Body) {
  const fresh = deps.clock.now().getTime() - auth.createdAt.getTime() <= FRESH_FACTOR_MS;
  if (!body.currentPassword && auth.amr.includes("mfa") && fresh) return loadAccount(deps.db, auth.accountId);
  return reauthenticate(deps, auth, body);
}

/** The account, once the current password in `body.currentPassword` proved it is its holder. */
async function reauthenticate(deps: AccountDeps, auth: Authenticated, body: Body) {
  const account = await loadAccount(deps.db, auth.accountId);
  const password = typeof body.currentPassword === "string" ? body.currentPassword : "";
  if (!password) throw new InvalidInput([{ field: "currentPassword", code: "currentPassword.required" }]);
  // Reserved before the password is compared: once the failures are spent, even the right one waits,
  // so a stolen session cannot be used to guess the password behind it, in a burst or one by one.
  const attempt = deps.rateLimits
    ? await reserveFlat({ store: deps.throttles, clock: deps.clock }, `reauth:${account.id}`, {
        limit: ACCOUNT_LIMITS.reauthFailures,
        windowMs: ACCOUNT_LIMITS.reauthWindowMs,
      })
    : null;
  if (await verifySecret(account.password_hash, password)) {
    await attempt?.succeeded();
    return account;
  }
  throw new InvalidInput([{ field: "currentPassword", code: "currentPassword.wrong" }]);
}

async function notify(deps: AccountDeps, trx: Transaction<Database>, message: NewMessage) {
  await queueMessage(trx, deps.jobs, message, deps.clock.now());
}

export async function changePassword(deps: AccountDeps, auth: Authenticated, body: Body, client: Client) {
  const account = await reauthenticate(deps, auth, body);
  const errors = validatePasswordPair(body.password, body.passwordConfirmation, {
    nationalId: account.national_id,
    firstName: account.first_name,
    lastName: account.last_name,
    birthDate: account.birth_date,
    mobile: account.mobile,
    blocklist: commonPasswords(),
  });
  if (errors.length) throw new InvalidInput(errors);
  const passwordHash = await hashSecret(body.password as string);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("accounts")
      .set({ password_hash: passwordHash, updated_at: now })
      .where("id", "=", account.id)
      .execute();
    // The session that changed the password stays; every other one may be the intruder's.
    await endAccountSessions(trx, { id: account.id, nationalId: account.national_id }, now, {
      type: "sessions.endedByPasswordChange",
      client,
      keep: auth.idHash,
    });
    await recordEvent(
      trx,
      { accountId: account.id, nationalId: account.national_id, type: "password.changed" },
      client,
      now,
    );
    await notify(deps, trx, {
      channel: "sms",
      to: account.mobile,
      template: "account.passwordChanged",
      body: t("fa", "sms.account.passwordChanged"),
      dedupeKey: `account:${account.id}:password:${crypto.randomUUID()}`,
    });
  });
  deps.jobs.nudge(SEND_QUEUE);
}

export type ContactKind = "mobile" | "email";

export async function requestContactChange(
  deps: AccountDeps,
  auth: Authenticated,
  kind: ContactKind,
  body: Body,
) {
  const account = await reauthenticate(deps, auth, body);
  refuseDuringHold(account, deps.clock.now());
  const parsed = kind === "mobile" ? parseMobile(body.mobile) : parseEmail(body.email);
  if (!parsed.ok) throw new InvalidInput([{ field: kind, code: parsed.code }]);
  if (parsed.value === account[kind]) throw new InvalidInput([{ field: kind, code: `${kind}.unchanged` }]);
  const now = deps.clock.now();
  if (deps.rateLimits) {
    for (const [key, windowMs, max] of [
      [`change:${kind}:cooldown:${account.id}`, ACCOUNT_LIMITS.codeCooldownMs, 1],
      [`change:${kind}:day:${account.id}`, 86_400_000, ACCOUNT_LIMITS.codesPerDay],
    ] as const) {
      const { count, windowEndsAt } = await deps.throttles.hit(key, windowMs, now);
      if (count > max) throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
    }
  }
  await deps.db.transaction().execute((trx) =>
    issueCode(
      trx,
      deps,
      {
        table: "account_changes",
        purpose: "change",
        row: { account_id: account.id, kind, new_value: parsed.value },
        replaces: { account_id: account.id, kind },
        message: {
          channel: kind === "mobile" ? "sms" : "email",
          to: parsed.value,
          template: `account.${kind}Code`,
          text: kind === "mobile" ? "sms.account.mobileCode" : "email.account.emailCode.body",
          subject: "email.account.emailCode.subject",
        },
      },
      now,
    ),
  );
  deps.jobs.nudge(SEND_QUEUE);
}

/** Whether the ownership registry ties `mobile` to the person: 503 while it cannot answer. */
export async function ownsMobile(
  deps: Pick<AccountDeps, "mobileOwnership">,
  nationalId: string,
  mobile: string,
): Promise<boolean> {
  try {
    return await deps.mobileOwnership.isOwner(nationalId, mobile);
  } catch (error) {
    if (error instanceof RegistryUnavailable) throw new Problem(503, "registryUnavailable");
    throw error;
  }
}

/** Applies a proved change; a mobile the ownership registry does not tie to the person waits for a branch. */
export async function verifyContactChange(
  deps: AccountDeps,
  auth: Authenticated,
  kind: ContactKind,
  body: Body,
  client: Client,
): Promise<{ status: "applied" | "pending_branch" }> {
  const account = await loadAccount(deps.db, auth.accountId);
  const now = deps.clock.now();
  const change = await deps.db
    .selectFrom("account_changes")
    .selectAll()
    .where("account_id", "=", account.id)
    .where("kind", "=", kind)
    .where("status", "=", "pending_code")
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  if (!change || change.expires_at <= now) throw new Problem(400, "account.noPendingChange");
  refuseDuringHold(account, now);
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  const where = { table: "account_changes", id: change.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome === "spent") throw new Problem(400, "account.changeLocked");
  if (guess.outcome === "wrong") {
    throw new Problem(400, "account.wrongCode", { attemptsLeft: guess.attemptsLeft });
  }

  const owned = kind === "mobile" ? await ownsMobile(deps, account.national_id, change.new_value) : true;
  const status = owned ? "applied" : "pending_branch";
  await deps.db.transaction().execute(async (trx) => {
    if (!(await spendCode(trx, where, { status, decided_at: now }))) {
      throw new Problem(400, "account.noPendingChange");
    }
    if (owned) {
      await trx
        .updateTable("accounts")
        // The code sent to the new address came back: an email changed this way is confirmed.
        .set({
          [kind]: change.new_value,
          ...(kind === "email" ? { email_confirmed_at: now } : {}),
          updated_at: now,
        })
        .where("id", "=", account.id)
        .execute();
      if (kind === "mobile") await forgetRememberedBrowsers(trx, account.id, now);
    }
    const type = `${kind}.${owned ? "changed" : "changePendingBranch"}`;
    await recordEvent(trx, { accountId: account.id, nationalId: account.national_id, type }, client, now);
    const dedupeKey = `change:${change.id}:notice`;
    if (kind === "mobile") {
      const template = owned ? "account.mobileChanged" : "account.mobileChangePending";
      const text = t("fa", `sms.${template}`, { mobile: maskMobile(change.new_value) });
      await notify(deps, trx, { channel: "sms", to: account.mobile, template, body: text, dedupeKey });
    } else if (account.email) {
      await notify(deps, trx, {
        channel: "email",
        to: account.email,
        template: "account.emailChanged",
        subject: t("fa", "email.account.emailChanged.subject"),
        body: t("fa", "email.account.emailChanged.body", { email: change.new_value }),
        dedupeKey,
      });
    }
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { status };
}

export async function replaceSecurityAnswers(
  deps: AccountDeps,
  auth: Authenticated,
  body: Body,
  client: Client,
) {
  const account = await reauthenticate(deps, auth, body);
  const checked = validateSecurityAnswers(body.securityAnswers);
  if (checked.errors.length) throw new InvalidInput(checked.errors);
  const hashes = await Promise.all(checked.value.map((a) => hashSecret(a.answer)));
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await trx.deleteFrom("security_answers").where("account_id", "=", account.id).execute();
    await trx
      .insertInto("security_answers")
      .values(
        checked.value.map((a, i) => ({
          account_id: account.id,
          question_id: a.questionId,
          answer_hash: hashes[i]!,
        })),
      )
      .execute();
    await recordEvent(
      trx,
      { accountId: account.id, nationalId: account.national_id, type: "securityQuestions.changed" },
      client,
      now,
    );
    await notify(deps, trx, {
      channel: "sms",
      to: account.mobile,
      template: "account.securityQuestionsChanged",
      body: t("fa", "sms.account.securityQuestionsChanged"),
      dedupeKey: `account:${account.id}:questions:${crypto.randomUUID()}`,
    });
  });
  deps.jobs.nudge(SEND_QUEUE);
}
