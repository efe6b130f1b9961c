// Fixed-window counters and lockouts in the database, so every instance sees the same count.
import { sql } from "kysely";
import type { Db } from "./database.ts";

export type Hit = { count: number; windowEndsAt: Date; lockedUntil: Date | null };

/** Counts one event under `key` in a window of `windowMs`; a finished window starts again at 1. */
export async function hit(db: Db, key: string, windowMs: number, now: Date): Promise<Hit> {
  const ends = new Date(now.getTime() + windowMs);
  const row = await sql<{ count: number; window_ends_at: Date; locked_until: Date | null }>`
    insert into throttles (key, count, window_ends_at) values (${key}, 1, ${ends})
    on conflict (key) do update set
      count = case when throttles.window_ends_at <= ${now} then 1 else throttles.count + 1 end,
      window_ends_at = case when throttles.window_ends_at <= ${now} then ${ends} else throttles.window_ends_at end
    returning count, window_ends_at, locked_until`.execute(db);
  const r = row.rows[0]!;
  return { count: r.count, windowEndsAt: r.window_ends_at, lockedUntil: r.locked_until };
}

/** The latest lock still running on any of the keys (one round trip for all of them), or null. */
export async function lockedUntil(db: Db, keys: string | string[], now: Date): Promise<Date | null> {
  const row = await db
    .selectFrom("throttles")
    .select((eb) => eb.fn.max("locked_until").as("until"))
    .where("key", "in", Array.isArray(keys) ? keys : [keys])
    .where("locked_until", ">", now)
    .executeTakeFirst();
  return row?.until ?? null;
}

export async function lock(db: Db, key: string, until: Date): Promise<void> {
  await db.updateTable("throttles").set({ locked_until: until }).where("key", "=", key).execute();
}

export async function clear(db: Db, key: string): Promise<void> {
  await db.deleteFrom("throttles").where("key", "=", key).execute();
}

/** Removes finished windows and lockouts; run now and then by the worker. */
export async function pruneThrottles(db: Db, now: Date): Promise<void> {
  await db
    .deleteFrom("throttles")
    .where("window_ends_at", "<", now)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
    .execute();
}
