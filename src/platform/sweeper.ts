// Durable work lives in rows (status + next_attempt_at); jobs only carry it. The sweeper hands every
// due row to its queue again, so a lost job, a crashed worker or a failed attempt delays, never drops.
import { sql } from "kysely";
import type { Clock } from "./clock.ts";
import { type Db, isDatabaseUnavailable, whileUnavailable } from "./database.ts";
import type { BatchHandler, Jobs } from "./jobs.ts";

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

/**
 * A batch handler whose rows are handed out again at the next sweep when their job was cut by the
 * database (a connection killed mid-transaction, a restart): the process knows it did not do that
 * work, so the row does not wait out the lease it was given for a job that may be lost. The release
 * is tried again while the database is away; past that, the lease still brings the row back.
 */
export function releasingCutWork(
  db: Db,
  work: DueWork,
  clock: Clock,
  handler: BatchHandler<{ id: string }>,
): BatchHandler<{ id: string }> {
  return async (batch) => {
    // A handler that failed as a whole (its first read cut) failed every job of the batch.
    const outcomes = await handler(batch).catch((reason: unknown) =>
      batch.map((): PromiseSettledResult<unknown> => ({ status: "rejected", reason })),
    );
    const cut = batch.flatMap((job, i) => {
      const outcome = outcomes[i];
      return outcome?.status === "rejected" && isDatabaseUnavailable(outcome.reason) ? [job.data.id] : [];
    });
    if (cut.length) await releaseLeases(db, work, cut, clock.now()).catch(() => undefined);
    return outcomes;
  };
}

/** Rows still active and leased past `now` become due at `now`: the next sweep hands them out. */
export async function releaseLeases(db: Db, work: DueWork, ids: string[], now: Date): Promise<number> {
  const released = await whileUnavailable(() =>
    sql`update ${sql.table(work.table)} set next_attempt_at = ${now}
      where id = any(${ids}::uuid[]) and status = ${work.activeStatus} and next_attempt_at > ${now}`.execute(
      db,
    ),
  );
  return Number(released.numAffectedRows ?? 0);
}
