// Login lockouts: failures counted per key (national ID, username, IP) in the database, so every
// instance sees them; each failure past the limit doubles the lock. Locks this instance has seen are
// also kept in memory (at most REMEMBER_MS), so an attack that is already locked out is refused without
// a database round trip. A lock lifted in the database (an administrator) is obeyed within REMEMBER_MS.
import type { Db } from "./database.ts";
import { TooManyRequests } from "./problems.ts";
import { clear, hit, lock } from "./throttle.ts";

export type LockoutPolicy = { windowMs: number; lockBaseMs: number; lockMaxMs: number };
export type LockoutRule = { key: string; limit: number };

const MAX_REMEMBERED = 10_000;
const REMEMBER_MS = 30_000;

export class Lockout {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly policy: LockoutPolicy,
  ) {}

  /** Refuses (429) while any of the keys is locked. */
  async check(keys: string[], now: Date): Promise<void> {
    const local = Math.max(0, ...keys.map((k) => this.seen.get(k) ?? 0));
    if (local > now.getTime()) throw new TooManyRequests(REMEMBER_MS / 1000);
    const rows = await this.db
      .selectFrom("throttles")
      .select(["key", "locked_until"])
      .where("key", "in", keys)
      .where("locked_until", ">", now)
      .execute();
    if (rows.length === 0) return;
    for (const r of rows) this.remember(r.key, r.locked_until!.getTime(), now);
    const until = Math.max(...rows.map((r) => r.locked_until!.getTime()));
    throw new TooManyRequests((until - now.getTime()) / 1000);
  }

  /** Counts a failure under each key; a key past its limit is locked, longer with each failure. */
  async fail(rules: LockoutRule[], now: Date): Promise<void> {
    for (const { key, limit } of rules) {
      const { count } = await hit(this.db, key, this.policy.windowMs, now);
      if (count < limit) continue;
      const ms = Math.min(this.policy.lockMaxMs, this.policy.lockBaseMs * 2 ** (count - limit));
      const until = new Date(now.getTime() + ms);
      await lock(this.db, key, until);
      this.remember(key, until.getTime(), now);
    }
  }

  /** A success forgets the key's failures. */
  async succeed(key: string): Promise<void> {
    await clear(this.db, key);
  }

  private remember(key: string, until: number, now: Date) {
    if (this.seen.size >= MAX_REMEMBERED) {
      for (const [k, t] of this.seen) if (t <= now.getTime()) this.seen.delete(k);
      // Still full: forget the oldest; the database still holds them.
      for (const k of this.seen.keys()) {
        if (this.seen.size < MAX_REMEMBERED) break;
        this.seen.delete(k);
      }
    }
    this.seen.set(key, Math.min(until, now.getTime() + REMEMBER_MS));
  }
}
