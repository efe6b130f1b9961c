// Step 3 of R-REC: the new password, with a reset token that is single-use, short-lived, and void
// once the account's credentials changed any other way (its credential_version moved on). A reset
// proved by security questions alone holds changes of mobile and email for a while: whoever only
// guessed the answers cannot also take the contacts that would let the holder notice and recover.
import { commonPasswords } from "../../domain/common-passwords.ts";
import { formatJalaliDateTime } from "../../domain/jalali-date.ts";
import { validatePasswordPair } from "../../domain/password-policy.ts";
import { t } from "../../messages/index.ts";
import { hashToken, sameHash } from "../../platform/one-time-codes.ts";
import { hashSecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem } from "../../platform/problems.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { forgetRememberedBrowsers } from "../factors/remembered-browsers.ts";
import { loginKey } from "../login/service.ts";
import { endAccountSessions } from "../login/sessions.ts";
import { endSsoSessions } from "../oidc/logout.ts";
import { killRecovery, loadRecovery, type RecoveryDeps, superseded } from "./service.ts";

/** How long mobile and email stay as they are after a reset by security questions alone. */
export const CONTACT_HOLD_HOURS = 72;

export async function resetPassword(
  deps: RecoveryDeps,
  recoveryId: string,
  body: { resetToken?: unknown; password?: unknown; passwordConfirmation?: unknown },
  client: Client,
): Promise<void> {
  const recovery = await loadRecovery(deps, recoveryId);
  const now = deps.clock.now();
  const token = typeof body.resetToken === "string" ? body.resetToken : "";
  const valid =
    recovery.status === "verified" &&
    recovery.reset_expires_at !== null &&
    recovery.reset_expires_at > now &&
    sameHash(recovery.reset_token_hash, hashToken(token));
  if (!valid || !recovery.account_id) throw new Problem(400, "recovery.invalidToken");
  if (superseded(recovery)) {
    await killRecovery(deps, recovery.id);
    throw new Problem(400, "recovery.invalidToken");
  }
  if (recovery.account_status !== "active") {
    throw new Problem(403, `accountNotActive.${recovery.account_status}`, {
      status: recovery.account_status,
    });
  }
  const errors = validatePasswordPair(body.password, body.passwordConfirmation, {
    nationalId: recovery.national_id,
    firstName: recovery.first_name ?? undefined,
    lastName: recovery.last_name ?? undefined,
    birthDate: recovery.birth_date ?? undefined,
    mobile: recovery.mobile ?? undefined,
    blocklist: commonPasswords(),
  });
  if (errors.length) throw new InvalidInput(errors);
  const passwordHash = await hashSecret(body.password as string);
  const accountId = recovery.account_id;
  const byQuestions = recovery.method === "security_questions";
  const holdUntil = byQuestions ? new Date(now.getTime() + CONTACT_HOLD_HOURS * 3_600_000) : null;

  await deps.db.transaction().execute(async (trx) => {
    const used = await trx
      .updateTable("password_recoveries")
      .set({ status: "used" })
      .where("id", "=", recovery.id)
      .where("status", "=", "verified")
      .returning("id")
      .executeTakeFirst();
    if (!used) throw new Problem(400, "recovery.invalidToken");
    // Any other recovery in flight for this account is void once the password changed.
    await trx
      .updateTable("password_recoveries")
      .set({ status: "dead" })
      .where("account_id", "=", accountId)
      .where("status", "in", ["pending", "verified"])
      .execute();
    // Compare-and-set on the credential version: a change that slipped in since the check wins.
    const changed = await trx
      .updateTable("accounts")
      .set({
        password_hash: passwordHash,
        updated_at: now,
        ...(holdUntil ? { contact_hold_until: holdUntil } : {}),
      })
      .where("id", "=", accountId)
      .where("credential_version", "=", recovery.credential_version ?? -1)
      .returning("id")
      .executeTakeFirst();
    if (!changed) throw new Problem(400, "recovery.invalidToken");
    await endAccountSessions(trx, { id: accountId, nationalId: recovery.national_id }, now, {
      type: "sessions.endedByPasswordReset",
      client,
    });
    // The factors stay (a reset is no way around them); the browsers that skipped them do not.
    await forgetRememberedBrowsers(trx, accountId, now);
    await recordEvent(
      trx,
      {
        accountId,
        nationalId: recovery.national_id,
        type: byQuestions ? "password.resetByQuestions" : "password.reset",
      },
      client,
      now,
    );
    await queueMessage(
      trx,
      deps.jobs,
      {
        channel: "sms",
        to: recovery.mobile!,
        template: byQuestions ? "recovery.resetByQuestions" : "account.passwordChanged",
        body: holdUntil
          ? t("fa", "sms.recovery.resetByQuestions", { until: formatJalaliDateTime(holdUntil, "fa") })
          : t("fa", "sms.account.passwordChanged"),
        dedupeKey: `recovery:${recovery.id}:reset`,
      },
      now,
    );
  });
  // A new password ends the streak of failed sign-ins and the cap that waited for it. After the
  // commit: the store may be this same database, whose one embedded connection the transaction holds.
  await deps.throttles.clear(loginKey(recovery.national_id));
  deps.jobs.nudge(SEND_QUEUE);
  // Whoever knew the old password may hold e-service tokens too: they go with the sessions.
  await endSsoSessions(deps.db, accountId, { everything: true });
}
