// Attempt limits on one-time codes that hold under concurrency: the try is counted, in one statement
// that also checks the limit, before the secret is compared. Counting after a wrong answer (check,
// compare, then update) lets 40 parallel guesses all pass the check, and the right one after them.
import { sql } from "kysely";
import type { Db } from "./database.ts";

/** Tables of one-time proofs: each row has an id, a status, and an attempts counter. */
export type AttemptTable = "password_recoveries" | "account_changes" | "branch_activations";

/**
 * Reserves one try of row `id` while it is in `liveStatus` with fewer than `max` tries spent.
 * Returns the number of this try (1..max), or null when none is left (or the row is no longer live):
 * the caller then refuses without comparing anything.
 */
export async function reserveAttempt(
  db: Db,
  table: AttemptTable,
  id: string,
  liveStatus: string,
  max: number,
): Promise<number | null> {
  const result = await sql<{ attempts: number }>`
    update ${sql.table(table)} set attempts = attempts + 1
    where id = ${id} and status = ${liveStatus} and attempts < ${max}
    returning attempts`.execute(db);
  return result.rows[0]?.attempts ?? null;
}
