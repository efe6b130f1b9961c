// Fixed-window counters and lockouts in a store every instance shares, so they all see the same count:
// PostgreSQL (the throttles table) by default, Redis when REDIS_URL is set (throttle-redis.ts).
import { sql } from "kysely";
import { type Db, prepared } from "./database.ts";

export type Hit = { count: number; windowEndsAt: Date; lockedUntil: Date | null };

/** Times come from the caller's clock (`now`), never the store's, so a test clock drives them. */
export interface ThrottleStore {
  /**
   * True when the counters are rows of the app database's `throttles` table: a caller may then count,
   * clear or release them inside a statement of its own (one round trip instead of several).
   */
  readonly inDatabase: boolean;
  /** Counts one event under `key` in a window of `windowMs`; a finished window starts again at 1. */
  hit(key: string, windowMs: number, now: Date): Promise<Hit>;
  /** Locks a key that has been hit until `until`. */
  lock(key: string, until: Date, now: Date): Promise<void>;
  /** The locks still running at `now` on any of the keys (one round trip for all of them). */
  locks(keys: string[], now: Date): Promise<Map<string, Date>>;
  /** Takes back one hit (a reservation that was not spent on a judged attempt); never below 0. */
  release(key: string): Promise<void>;
  /** Forgets the key's count and lock. */
  clear(key: string): Promise<void>;
  /** Records `id` until `until`; false if it is already recorded and not expired (a replay). */
  claimOnce(id: string, until: Date, now: Date): Promise<boolean>;
  /** Removes finished windows and lockouts; run now and then by the worker. */
  prune(now: Date): Promise<void>;
}

/**
 * PostgresThrottleStore's hit as one statement, which a caller may also run as a CTE beside a read of
 * its own (`with hit as (…) select …`): a finished window starts again at 1.
 */
export function hitStatement(key: string, windowMs: number, now: Date) {
  const ends = new Date(now.getTime() + windowMs);
  return sql<{ count: number; window_ends_at: Date; locked_until: Date | null }>`
    insert into throttles (key, count, window_ends_at) values (${key}, 1, ${ends})
    on conflict (key) do update set
      count = case when throttles.window_ends_at <= ${now} then 1 else throttles.count + 1 end,
      window_ends_at = case when throttles.window_ends_at <= ${now} then ${ends} else throttles.window_ends_at end
    returning count, window_ends_at, locked_until`;
}

/** PostgresThrottleStore's release of one hit of each of `keys` (never below 0), as one statement. */
export function releaseStatement(keys: string[]) {
  return sql`update throttles set count = greatest(count - 1, 0) where key = any(${keys}::text[])`;
}

export class PostgresThrottleStore implements ThrottleStore {
  readonly inDatabase = true;
  private readonly db: Db;
  constructor(db: Db) {
    this.db = db;
  }

  async hit(key: string, windowMs: number, now: Date): Promise<Hit> {
    // Every guarded request's statement: prepared by name (decision 014).
    const row = await this.db.executeQuery(
      prepared("throttle.hit", hitStatement(key, windowMs, now).compile(this.db)),
    );
    const r = row.rows[0]!;
    return { count: r.count, windowEndsAt: r.window_ends_at, lockedUntil: r.locked_until };
  }

  async lock(key: string, until: Date): Promise<void> {
    await this.db.updateTable("throttles").set({ locked_until: until }).where("key", "=", key).execute();
  }

  async locks(keys: string[], now: Date): Promise<Map<string, Date>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("throttles")
      .select(["key", "locked_until"])
      .where("key", "in", keys)
      .where("locked_until", ">", now)
      .execute();
    return new Map(rows.map((r) => [r.key, r.locked_until!]));
  }

  async release(key: string): Promise<void> {
    await this.db.executeQuery(prepared("throttle.release", releaseStatement([key]).compile(this.db)));
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom("throttles").where("key", "=", key).execute();
  }

  async claimOnce(id: string, until: Date, now: Date): Promise<boolean> {
    // One statement: of two requests with the same id, exactly one inserts or takes over an expired row.
    const row = await sql<{ id: string }>`
      insert into used_challenges (id, expires_at) values (${id}, ${until})
      on conflict (id) do update set expires_at = excluded.expires_at
        where used_challenges.expires_at <= ${now}
      returning id`.execute(this.db);
    return row.rows.length === 1;
  }

  async prune(now: Date): Promise<void> {
    await this.db.deleteFrom("used_challenges").where("expires_at", "<=", now).execute();
    await this.db
      .deleteFrom("throttles")
      .where("window_ends_at", "<", now)
      .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
      .execute();
  }
}
