// Login lockouts: failures counted per key (national ID, username, IP) in the shared throttle store, so
// every instance sees them; each failure past the limit doubles the lock. Locks this instance has seen
// are also kept in memory (at most REMEMBER_MS), so an attack that is already locked out is refused
// without a round trip. A lock lifted in the store (an administrator) is obeyed within REMEMBER_MS.
import { TooManyRequests } from "./problems.ts";
import type { ThrottleStore } from "./throttle.ts";

export type LockoutPolicy = { windowMs: number; lockBaseMs: number; lockMaxMs: number };
export type LockoutRule = { key: string; limit: number };

const MAX_REMEMBERED = 10_000;
const REMEMBER_MS = 30_000;

export class Lockout {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly store: ThrottleStore,
    private readonly policy: LockoutPolicy,
  ) {}

  /** Refuses (429) while any of the keys is locked. */
  async check(keys: string[], now: Date): Promise<void> {
    const local = Math.max(0, ...keys.map((k) => this.seen.get(k) ?? 0));
    if (local > now.getTime()) throw new TooManyRequests(REMEMBER_MS / 1000);
    const locks = await this.store.locks(keys, now);
    if (locks.size === 0) return;
    for (const [key, until] of locks) this.remember(key, until.getTime(), now);
    const until = Math.max(...[...locks.values()].map((d) => d.getTime()));
    throw new TooManyRequests((until - now.getTime()) / 1000);
  }

  /** Counts a failure under each key; a key past its limit is locked, longer with each failure. */
  async fail(rules: LockoutRule[], now: Date): Promise<void> {
    for (const { key, limit } of rules) {
      const { count } = await this.store.hit(key, this.policy.windowMs, now);
      if (count < limit) continue;
      const ms = Math.min(this.policy.lockMaxMs, this.policy.lockBaseMs * 2 ** (count - limit));
      const until = new Date(now.getTime() + ms);
      await this.store.lock(key, until, now);
      this.remember(key, until.getTime(), now);
    }
  }

  /** A success forgets the key's failures. */
  async succeed(key: string): Promise<void> {
    await this.store.clear(key);
  }

  private remember(key: string, until: number, now: Date) {
    if (this.seen.size >= MAX_REMEMBERED) {
      for (const [k, t] of this.seen) if (t <= now.getTime()) this.seen.delete(k);
      // Still full: forget the oldest; the store still holds them.
      for (const k of this.seen.keys()) {
        if (this.seen.size < MAX_REMEMBERED) break;
        this.seen.delete(k);
      }
    }
    this.seen.set(key, Math.min(until, now.getTime() + REMEMBER_MS));
  }
}
