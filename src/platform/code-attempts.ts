// One guess at a one-time code. The attempt is reserved in the same statement that checks the limit
// (`attempts < max`), before the code is compared: a burst of parallel guesses gets exactly `max`
// comparisons, where reading the count and writing it back later would let every one of them through.
import { sql } from "kysely";
import type { Db } from "./database.ts";

/** Tables whose rows carry `id`, `code_hash`, `attempts`, `status` and `expires_at`. */
export type CodeTable =
  | "mobile_verifications"
  | "email_confirmations"
  | "password_setups"
  | "branch_activations";

export type Guess = { outcome: "right" } | { outcome: "wrong"; attemptsLeft: number } | { outcome: "spent" };

export async function guessCode(
  db: Db,
  where: { table: CodeTable; id: string; status: string },
  now: Date,
  maxAttempts: number,
  matches: (codeHash: string | null) => boolean,
): Promise<Guess> {
  const { table, id, status } = where;
  const reserved = await sql<{ attempts: number; code_hash: string | null }>`
    update ${sql.table(table)} set attempts = attempts + 1
    where id = ${id} and status = ${status} and attempts < ${maxAttempts} and expires_at > ${now}
    returning attempts, code_hash`.execute(db);
  const row = reserved.rows[0];
  if (!row) return { outcome: "spent" };
  if (matches(row.code_hash)) return { outcome: "right" };
  if (row.attempts >= maxAttempts) {
    await sql`update ${sql.table(table)} set status = 'dead' where id = ${id} and status = ${status}`.execute(
      db,
    );
    return { outcome: "spent" };
  }
  return { outcome: "wrong", attemptsLeft: maxAttempts - row.attempts };
}
