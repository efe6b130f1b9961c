// Attempt limits per target (a national ID, a staff username, an account's re-authentication) that
// hold under concurrency: each attempt reserves its place in the counter with one atomic statement
// (INSERT … ON CONFLICT … RETURNING, or a Redis script) BEFORE the secret is compared; an attempt
// that is not judged gives its place back. Read-then-write would let a burst of 40 all be judged.
import { type Challenges, levelFor } from "./challenge.ts";
import type { Clock } from "./clock.ts";
import { Problem, TooManyRequests } from "./problems.ts";
import type { ThrottleStore } from "./throttle.ts";

/**
 * A sign-in secret (NIST 800-63B §5.2.2): `allowance` consecutive failures are judged freely; after
 * them each attempt needs a solved challenge whose level grows with the failures (spacing them out),
 * so a stranger slows an ID down but never locks the holder out; after `cap` consecutive failures
 * password sign-in waits for a reset (`capCode`, 403).
 */
export type SignInPolicy = { allowance: number; cap: number; windowMs: number; capCode: string };

export type Attempt = {
  /** The consecutive failures this attempt makes if it fails. */
  count: number;
  /** The secret was right: forget the failures. */
  succeeded(): Promise<void>;
  /** Not a failure, but the sign-in is not complete either (a password before its TOTP code). */
  release(): Promise<void>;
  /** True when this failure is the one that reached the cap (tell the holder, alert the admins). */
  readonly reachesCap: boolean;
};

export class SignInAttempts {
  private readonly deps: { store: ThrottleStore; clock: Clock; challenges: Challenges };
  private readonly policy: SignInPolicy;
  /** The challenge scope: the same as the route guard's, so one solution serves both. */
  private readonly scope: string;
  constructor(
    deps: { store: ThrottleStore; clock: Clock; challenges: Challenges },
    policy: SignInPolicy,
    scope: string,
  ) {
    this.deps = deps;
    this.policy = policy;
    this.scope = scope;
  }

  /** Reserves an attempt on `key`, given the level this request already solved. */
  async reserve(key: string, solvedLevel: number): Promise<Attempt> {
    const { store, clock } = this.deps;
    const { count } = await store.hit(key, this.policy.windowMs, clock.now());
    return this.judge(key, count, solvedLevel);
  }

  /**
   * The attempt of a hit already counted on `key` (by `store.hit`, or by a statement of the caller's
   * that also did the counter's INSERT … ON CONFLICT, when the store is in the database).
   */
  async judge(key: string, count: number, solvedLevel: number): Promise<Attempt> {
    const { store, challenges } = this.deps;
    if (count > this.policy.cap) {
      await store.release(key);
      throw new Problem(403, this.policy.capCode);
    }
    const needed = levelFor(count, this.policy.allowance);
    if (needed > solvedLevel) {
      await store.release(key);
      await challenges.require(this.scope, needed);
    }
    return {
      count,
      reachesCap: count === this.policy.cap,
      succeeded: () => store.clear(key),
      release: () => store.release(key),
    };
  }

  get store(): ThrottleStore {
    return this.deps.store;
  }

  get windowMs(): number {
    return this.policy.windowMs;
  }

  /** Starts the count again (a password reset, an administrator's unlock). */
  async forget(key: string): Promise<void> {
    await this.deps.store.clear(key);
  }
}

/**
 * A flat limit per target, for re-authentication inside a session: a stolen session must not be a
 * way to guess the password behind it, so past `limit` failures in the window even the right one
 * waits (429). Only this one account is affected, by its own session.
 */
export async function reserveFlat(
  deps: { store: ThrottleStore; clock: Clock },
  key: string,
  rule: { limit: number; windowMs: number },
) {
  const now = deps.clock.now();
  const { count, windowEndsAt } = await deps.store.hit(key, rule.windowMs, now);
  if (count > rule.limit) {
    await deps.store.release(key);
    throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
  }
  return { succeeded: () => deps.store.clear(key) };
}
