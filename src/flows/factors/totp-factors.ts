// A citizen's authenticator apps (R-MFA): enrolled with a QR code, confirmed by a first code, then a
// second factor. Secrets sealed under SECRET_KEY's ring (src/platform/totp.ts, as staff secrets).
import type { Transaction } from "kysely";
import { maskNationalId } from "../../domain/national-id.ts";
import type { Db } from "../../platform/database.ts";
import type { Database } from "../../platform/schema.ts";
import {
  groupSecret,
  matchTotp,
  newTotpSecret,
  openWithRing,
  otpauthUri,
  qrSvg,
  sealSecret,
} from "../../platform/totp.ts";

export const TOTP_ISSUER = "Hoviat";
/** Apps a holder may keep: enough for a phone and a spare. */
export const MAX_TOTP_FACTORS = 5;

/** A new, unconfirmed app: its secret (grouped, to type), otpauth URI and QR code, shown once. */
export async function startTotp(
  trx: Transaction<Database>,
  account: { id: string; national_id: string },
  name: string,
  secretKey: string,
  now: Date,
) {
  // An enrolment left unconfirmed is abandoned once another one begins.
  await trx
    .deleteFrom("totp_factors")
    .where("account_id", "=", account.id)
    .where("confirmed_at", "is", null)
    .execute();
  const secret = newTotpSecret();
  const id = crypto.randomUUID();
  await trx
    .insertInto("totp_factors")
    .values({
      id,
      account_id: account.id,
      name,
      secret_sealed: sealSecret(secretKey, secret),
      created_at: now,
    })
    .execute();
  const uri = otpauthUri(TOTP_ISSUER, maskNationalId(account.national_id), secret);
  return { id, secret: groupSecret(secret), uri, qrSvg: await qrSvg(uri) };
}

export async function countConfirmedTotp(db: Db | Transaction<Database>, accountId: string) {
  const row = await db
    .selectFrom("totp_factors")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("account_id", "=", accountId)
    .where("confirmed_at", "is not", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

type FactorRow = { id: string; secret_sealed: string; last_step: number | null; confirmed_at: Date | null };

/**
 * The step of `code` under `factor`'s secret, stored as its last one in a conditional update (so two
 * parallel uses of one code cannot both pass, and a used code is never good again); the seal renewed
 * under the current key when an older one opened it. True when this use won.
 */
async function useCode(
  db: Db,
  factor: FactorRow,
  code: string,
  secretKeys: readonly string[],
  now: Date,
): Promise<boolean> {
  const opened = openWithRing(secretKeys, factor.secret_sealed);
  if (!opened) return false;
  const step = matchTotp(opened.secret, code, now, factor.last_step);
  if (step === null) return false;
  const used = await db
    .updateTable("totp_factors")
    .set({
      last_step: step,
      last_used_at: now,
      confirmed_at: factor.confirmed_at ?? now,
      ...(opened.current ? {} : { secret_sealed: sealSecret(secretKeys[0]!, opened.secret) }),
    })
    .where("id", "=", factor.id)
    .where((eb) => eb.or([eb("last_step", "is", null), eb("last_step", "<", step)]))
    .returning("id")
    .executeTakeFirst();
  return Boolean(used);
}

/** Confirms an enrolment with its first code; false for a wrong code or an unknown enrolment. */
export async function confirmTotp(
  db: Db,
  accountId: string,
  id: string,
  code: string,
  secretKeys: readonly string[],
  now: Date,
): Promise<"confirmed" | "wrong" | "unknown"> {
  const factor = await db
    .selectFrom("totp_factors")
    .select(["id", "secret_sealed", "last_step", "confirmed_at"])
    .where("id", "=", id)
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  if (!factor || factor.confirmed_at) return "unknown";
  return (await useCode(db, factor, code, secretKeys, now)) ? "confirmed" : "wrong";
}

/** A sign-in's code against every confirmed app of the account. */
export async function verifyTotpSignIn(
  db: Db,
  accountId: string,
  code: string,
  secretKeys: readonly string[],
  now: Date,
): Promise<boolean> {
  const factors = await db
    .selectFrom("totp_factors")
    .select(["id", "secret_sealed", "last_step", "confirmed_at"])
    .where("account_id", "=", accountId)
    .where("confirmed_at", "is not", null)
    .execute();
  for (const factor of factors) {
    if (await useCode(db, factor, code, secretKeys, now)) return true;
  }
  return false;
}

export async function listTotp(db: Db, accountId: string) {
  const rows = await db
    .selectFrom("totp_factors")
    .select(["id", "name", "created_at", "last_used_at"])
    .where("account_id", "=", accountId)
    .where("confirmed_at", "is not", null)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
  }));
}
