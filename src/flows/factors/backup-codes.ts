// Backup codes (R-MFA): 10 single-use codes, shown once, for a holder without their phone or app.
// Each has 50 random bits, so unlike a 6-digit code it cannot be found by trying a leaked hash's
// million values; an HMAC under SECRET_KEY (as every other code) then suffices, and lets a sign-in find
// and spend a code in one indexed, atomic statement instead of ten argon2 verifies per guess.
import { randomInt } from "node:crypto";
import type { Transaction } from "kysely";
import type { Db } from "../../platform/database.ts";
import { hashCode } from "../../platform/one-time-codes.ts";
import type { Database } from "../../platform/schema.ts";

export const BACKUP_CODE_COUNT = 10;
/** No 0/o, 1/l/i: read from paper and typed by hand. */
const ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";
const LENGTH = 10;

/** A code as shown: "abcde-fghjk". */
function newBackupCode(): string {
  let code = "";
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** A typed code as stored: lower case, without spaces or dashes, Persian digits as Latin. */
export function normalizeBackupCode(input: unknown): string {
  if (typeof input !== "string") return "";
  return input
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[\s-]/g, "")
    .toLowerCase();
}

const hashBackupCode = (secretKey: string, accountId: string, code: string) =>
  hashCode(secretKey, `backup:${accountId}`, code);

/** A new set in place of the old one; the codes in clear, to be shown once. */
export async function replaceBackupCodes(
  trx: Transaction<Database>,
  accountId: string,
  secretKey: string,
  now: Date,
): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, newBackupCode);
  await trx.deleteFrom("backup_codes").where("account_id", "=", accountId).execute();
  await trx
    .insertInto("backup_codes")
    .values(
      codes.map((code) => ({
        id: crypto.randomUUID(),
        account_id: accountId,
        code_hash: hashBackupCode(secretKey, accountId, normalizeBackupCode(code)),
        created_at: now,
      })),
    )
    .execute();
  return codes;
}

/**
 * Spends the code `typed` of the account, if it is one of its unused codes: one statement, so of two
 * parallel uses of the same code only one finds it unused. Under any key of the SECRET_KEY ring.
 */
export async function spendBackupCode(
  db: Db,
  accountId: string,
  secretKeys: readonly string[],
  typed: string,
  now: Date,
): Promise<boolean> {
  const code = normalizeBackupCode(typed);
  if (code.length !== LENGTH) return false;
  const hashes = secretKeys.map((key) => hashBackupCode(key, accountId, code));
  const spent = await db
    .updateTable("backup_codes")
    .set({ used_at: now })
    .where("account_id", "=", accountId)
    .where("code_hash", "in", hashes)
    .where("used_at", "is", null)
    .returning("id")
    .execute();
  return spent.length > 0;
}

export async function backupCodesState(db: Db, accountId: string) {
  const row = await db
    .selectFrom("backup_codes")
    .select([
      (eb) => eb.fn.countAll<number>().filterWhere("used_at", "is", null).as("remaining"),
      (eb) => eb.fn.min("created_at").as("created_at"),
    ])
    .where("account_id", "=", accountId)
    .executeTakeFirst();
  const created = row?.created_at ? new Date(row.created_at as Date) : null;
  return { remaining: Number(row?.remaining ?? 0), createdAt: created?.toISOString() ?? null };
}
