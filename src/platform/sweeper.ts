// Durable work lives in rows (status + next_attempt_at); jobs only carry it. The sweeper hands every
// due row to its queue again, so a lost job, a crashed worker or a failed attempt delays, never drops.
import { sql } from "kysely";
import type { Db } from "./database.ts";
import type { Jobs } from "./jobs.ts";

export type DueWork = {
  table: "registration_requests" | "messages";
  activeStatus: "pending" | "queued";
  queue: string;
  /** How long a handed-out row is left alone before it is handed out again. */
  leaseMs: number;
};

export async function dispatchDue(
  db: Db,
  jobs: Jobs,
  work: DueWork,
  now: Date,
  limit = 200,
): Promise<number> {
  const leaseUntil = new Date(now.getTime() + work.leaseMs);
  const ids = await db.transaction().execute(async (trx) => {
    const rows = await sql<{ id: string }>`
      update ${sql.table(work.table)} set next_attempt_at = ${leaseUntil}
      where id in (
        select id from ${sql.table(work.table)}
        where status = ${work.activeStatus} and next_attempt_at <= ${now}
        order by next_attempt_at limit ${limit}
        for update skip locked)
      returning id`.execute(trx);
    for (const row of rows.rows) await jobs.sendInTransaction(trx, work.queue, { id: row.id });
    return rows.rows.length;
  });
  if (ids > 0) jobs.nudge(work.queue);
  return ids;
}
