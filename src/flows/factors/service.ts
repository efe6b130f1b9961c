// The holder's second factors (R-MFA): authenticator apps, backup codes, SMS as a factor, two-step
// sign-in under SECOND_FACTOR=optional, remembered browsers. Each change needs the holder proved again
// (proveHolder), is a security event, and is told by SMS to the account's mobile.
import type { Transaction } from "kysely";
import { t } from "../../messages/index.ts";
import { reserveFlat } from "../../platform/attempts.ts";
import type { Db } from "../../platform/database.ts";
import { cleanCode } from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem } from "../../platform/problems.ts";
import type { Database } from "../../platform/schema.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { type AccountDeps, proveHolder } from "../account/service.ts";
import { SEND_QUEUE } from "../courier/courier.ts";
import type { Authenticated } from "../login/auth.ts";
import type { SecondFactorSettings } from "../login/second-factor.ts";
import { announceFactorChange, type Holder } from "./announce.ts";
import { backupCodesState, replaceBackupCodes } from "./backup-codes.ts";
import { revokeRememberedBrowser } from "./remembered-browsers.ts";
import { confirmTotp, countConfirmedTotp, listTotp, MAX_TOTP_FACTORS, startTotp } from "./totp-factors.ts";

export type FactorDeps = AccountDeps & { secondFactor: SecondFactorSettings };
type Body = Record<string, unknown>;

/** Wrong first codes of an app being enrolled, per account per 15 minutes. */
const CONFIRM_LIMIT = { limit: 5, windowMs: 15 * 60_000 };

/** The event and its SMS notice of a change `mfa.<type>`, in the change's own transaction. */
const announce = (
  deps: FactorDeps,
  trx: Transaction<Database>,
  holder: Holder,
  type: string,
  client: Client,
) =>
  announceFactorChange(
    trx,
    deps.jobs,
    holder,
    { event: `mfa.${type}`, message: `mfa.${type}` },
    client,
    deps.clock.now(),
  );

/**
 * A change of the holder's factors: the holder proved again, then `change` in one transaction, which
 * returns the change's type (`mfa.<type>`: its event and SMS notice, in the same transaction) or null
 * when nothing changed; the notice is sent once the transaction is committed.
 */
async function changeFactors(
  deps: FactorDeps,
  auth: Authenticated,
  body: Body,
  client: Client,
  change: (trx: Transaction<Database>, holder: Holder) => Promise<string | null>,
): Promise<void> {
  const holder = await proveHolder(deps, auth, body);
  await deps.db.transaction().execute(async (trx) => {
    const type = await change(trx, holder);
    if (type) await announce(deps, trx, holder, type, client);
  });
  deps.jobs.nudge(SEND_QUEUE);
}

/** Passkeys and confirmed apps: the factors that let SMS be switched off. */
async function strongFactors(db: Db | Transaction<Database>, accountId: string): Promise<number> {
  const passkeys = await db
    .selectFrom("passkeys")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("owner_kind", "=", "account")
    .where("owner_id", "=", accountId)
    .executeTakeFirstOrThrow();
  return Number(passkeys.n) + (await countConfirmedTotp(db, accountId));
}

export async function listFactors(deps: FactorDeps, auth: Authenticated) {
  const account = await deps.db
    .selectFrom("accounts")
    .select(["sms_second_factor", "second_factor_on"])
    .where("id", "=", auth.accountId)
    .executeTakeFirstOrThrow();
  const passkeys = await deps.db
    .selectFrom("passkeys")
    .select(["id", "name", "created_at", "last_used_at"])
    .where("owner_kind", "=", "account")
    .where("owner_id", "=", auth.accountId)
    .orderBy("created_at")
    .execute();
  return {
    sms: { enabled: account.sms_second_factor },
    totp: await listTotp(deps.db, auth.accountId),
    passkeys: passkeys.map((p) => ({
      id: p.id,
      name: p.name,
      createdAt: p.created_at.toISOString(),
      lastUsedAt: p.last_used_at?.toISOString() ?? null,
    })),
    backupCodes: await backupCodesState(deps.db, auth.accountId),
    secondFactor: { required: deps.secondFactor.mode === "required", on: account.second_factor_on },
  };
}

export async function addTotp(deps: FactorDeps, auth: Authenticated, body: Body) {
  const holder = await proveHolder(deps, auth, body);
  if ((await countConfirmedTotp(deps.db, holder.id)) >= MAX_TOTP_FACTORS) {
    throw new Problem(409, "mfa.tooManyApps", { max: MAX_TOTP_FACTORS });
  }
  const name = typeof body.name === "string" && body.name.trim() ? body.name.trim().slice(0, 60) : "";
  return deps.db
    .transaction()
    .execute((trx) =>
      startTotp(trx, holder, name || t("fa", "mfa.defaultAppName"), deps.secretKey, deps.clock.now()),
    );
}

/** The first code from the app proves it holds the secret: the app becomes a factor. */
export async function confirmTotpFactor(
  deps: FactorDeps,
  auth: Authenticated,
  id: string,
  body: Body,
  client: Client,
) {
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  // Reserved before the comparison: a session cannot try the codes of an app it enrols in a burst.
  const attempt = deps.rateLimits
    ? await reserveFlat(
        { store: deps.throttles, clock: deps.clock },
        `totp-confirm:${auth.accountId}`,
        CONFIRM_LIMIT,
      )
    : null;
  const now = deps.clock.now();
  const outcome = await confirmTotp(deps.db, auth.accountId, id, code, deps.secretKeys, now);
  if (outcome === "unknown") throw new Problem(404, "mfa.appNotFound");
  if (outcome === "wrong") throw new InvalidInput([{ field: "code", code: "mfa.wrongCode" }]);
  await attempt?.succeeded();
  const holder = await holderOf(deps.db, auth.accountId);
  await deps.db.transaction().execute((trx) => announce(deps, trx, holder, "totp.added", client));
  deps.jobs.nudge(SEND_QUEUE);
}

export async function removeTotp(
  deps: FactorDeps,
  auth: Authenticated,
  id: string,
  body: Body,
  client: Client,
) {
  await changeFactors(deps, auth, body, client, async (trx, holder) => {
    // The account row locked: two removals in parallel cannot leave SMS off and no factor.
    const account = await trx
      .selectFrom("accounts")
      .select("sms_second_factor")
      .where("id", "=", holder.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const removed = await trx
      .deleteFrom("totp_factors")
      .where("id", "=", id)
      .where("account_id", "=", holder.id)
      .returning("confirmed_at")
      .executeTakeFirst();
    if (!removed) throw new Problem(404, "mfa.appNotFound");
    if (!account.sms_second_factor && (await strongFactors(trx, holder.id)) === 0) {
      throw new Problem(409, "mfa.lastFactor");
    }
    return removed.confirmed_at ? "totp.removed" : null;
  });
}

export async function newBackupCodes(deps: FactorDeps, auth: Authenticated, body: Body, client: Client) {
  let codes: Awaited<ReturnType<typeof replaceBackupCodes>> | undefined;
  await changeFactors(deps, auth, body, client, async (trx, holder) => {
    codes = await replaceBackupCodes(trx, holder.id, deps.secretKey, deps.clock.now());
    return "backupCodes.created";
  });
  return codes!;
}

export async function setSmsFactor(deps: FactorDeps, auth: Authenticated, body: Body, client: Client) {
  if (typeof body.enabled !== "boolean") throw new InvalidInput([{ field: "enabled", code: "body.type" }]);
  const enabled = body.enabled;
  await changeFactors(deps, auth, body, client, async (trx, holder) => {
    const account = await trx
      .selectFrom("accounts")
      .select("sms_second_factor")
      .where("id", "=", holder.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (account.sms_second_factor === enabled) return null;
    // SMS off only while a passkey or an app stands in for it.
    if (!enabled && (await strongFactors(trx, holder.id)) === 0)
      throw new Problem(409, "mfa.smsNeedsAnother");
    await trx
      .updateTable("accounts")
      .set({ sms_second_factor: enabled, updated_at: deps.clock.now() })
      .where("id", "=", holder.id)
      .execute();
    return enabled ? "sms.enabled" : "sms.disabled";
  });
}

/** SECOND_FACTOR=optional: the holder turns two-step sign-in on or off (never off when it is required). */
export async function setSecondFactor(deps: FactorDeps, auth: Authenticated, body: Body, client: Client) {
  if (typeof body.on !== "boolean") throw new InvalidInput([{ field: "on", code: "body.type" }]);
  const on = body.on;
  if (!on && deps.secondFactor.mode === "required") throw new Problem(409, "mfa.secondFactorRequired");
  await changeFactors(deps, auth, body, client, async (trx, holder) => {
    const changed = await trx
      .updateTable("accounts")
      .set({ second_factor_on: on, updated_at: deps.clock.now() })
      .where("id", "=", holder.id)
      .where("second_factor_on", "=", !on)
      .executeTakeFirst();
    if (Number(changed.numUpdatedRows) !== 1) return null;
    return on ? "secondFactor.on" : "secondFactor.off";
  });
}

export async function forgetBrowser(deps: FactorDeps, auth: Authenticated, id: string, client: Client) {
  const now = deps.clock.now();
  const holder = await holderOf(deps.db, auth.accountId);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await revokeRememberedBrowser(trx, auth.accountId, id, now))) {
      throw new Problem(404, "mfa.browserNotFound");
    }
    await recordEvent(
      trx,
      { accountId: holder.id, nationalId: holder.national_id, type: "mfa.rememberedBrowser.revoked" },
      client,
      now,
    );
  });
}

async function holderOf(db: Db, accountId: string): Promise<Holder> {
  return db
    .selectFrom("accounts")
    .select(["id", "national_id", "mobile"])
    .where("id", "=", accountId)
    .executeTakeFirstOrThrow();
}
