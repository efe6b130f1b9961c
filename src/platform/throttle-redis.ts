// Throttles in Redis (REDIS_URL): a hash per counter {c: count, e: window end} and a separate lock key
// holding its end, both in epoch ms of the caller's clock. A window or lock is over when its stored end
// is at or before `now`, as in PostgreSQL; Redis expiry (relative, EXPIRY_SLACK_MS past the end) only
// clears what is finished. Absolute times (PEXPIREAT, Redis TIME) would break under a test clock that
// is not the wall clock: a ManualClock in the past would expire keys at once.
import { Redis } from "ioredis";
import type { Hit, ThrottleStore } from "./throttle.ts";

export const DEFAULT_REDIS_PREFIX = "hoviat:throttle:";
const EXPIRY_SLACK_MS = 60_000;

// KEYS: counter, lock. ARGV: now, windowMs, slack. Returns {count, window end, lock end or -1}.
const HIT = `
local now = tonumber(ARGV[1])
local ends = tonumber(redis.call('HGET', KEYS[1], 'e'))
local count
if not ends or ends <= now then
  ends = now + tonumber(ARGV[2])
  redis.call('HSET', KEYS[1], 'c', 1, 'e', ends)
  redis.call('PEXPIRE', KEYS[1], ends - now + tonumber(ARGV[3]))
  count = 1
else
  count = redis.call('HINCRBY', KEYS[1], 'c', 1)
end
local lock = tonumber(redis.call('GET', KEYS[2])) or -1
return {count, ends, lock}`;

// KEYS: counter. Takes one hit back from a running window, never below 0.
const RELEASE = `
if redis.call('HGET', KEYS[1], 'c') then
  local c = redis.call('HINCRBY', KEYS[1], 'c', -1)
  if c < 0 then redis.call('HSET', KEYS[1], 'c', 0) end
end
return 1`;

// KEYS: claim. ARGV: now, until, slack. The stored value is the claim's end in the caller's clock.
const CLAIM = `
local ends = tonumber(redis.call('GET', KEYS[1]))
if ends and ends > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', math.max(1, tonumber(ARGV[2]) - tonumber(ARGV[1])) + tonumber(ARGV[3]))
return 1`;

export class RedisThrottleStore implements ThrottleStore {
  readonly inDatabase = false;
  readonly redis: Redis;
  readonly prefix: string;
  constructor(redis: Redis, prefix = DEFAULT_REDIS_PREFIX) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** Connects before returning, so a wrong REDIS_URL stops the start instead of the first request. */
  static async connect(
    url: string,
    prefix?: string,
    onError: (err: Error) => void = () => {},
  ): Promise<RedisThrottleStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    // ioredis reconnects by itself; without a listener it prints every failure to stderr.
    redis.on("error", onError);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return new RedisThrottleStore(redis, prefix);
  }

  private counter(key: string) {
    return `${this.prefix}c:${key}`;
  }
  private lockKey(key: string) {
    return `${this.prefix}l:${key}`;
  }

  async hit(key: string, windowMs: number, now: Date): Promise<Hit> {
    const [count, ends, lock] = (await this.redis.eval(
      HIT,
      2,
      this.counter(key),
      this.lockKey(key),
      now.getTime(),
      windowMs,
      EXPIRY_SLACK_MS,
    )) as [number, number, number];
    return { count, windowEndsAt: new Date(ends), lockedUntil: lock < 0 ? null : new Date(lock) };
  }

  async lock(key: string, until: Date, now: Date): Promise<void> {
    const ttl = Math.max(1, until.getTime() - now.getTime()) + EXPIRY_SLACK_MS;
    await this.redis.set(this.lockKey(key), until.getTime(), "PX", ttl);
  }

  async locks(keys: string[], now: Date): Promise<Map<string, Date>> {
    const found = new Map<string, Date>();
    if (keys.length === 0) return found;
    const ends = await this.redis.mget(keys.map((k) => this.lockKey(k)));
    keys.forEach((key, i) => {
      const end = Number(ends[i]);
      if (ends[i] !== null && end > now.getTime()) found.set(key, new Date(end));
    });
    return found;
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.counter(key));
  }

  async claimOnce(id: string, until: Date, now: Date): Promise<boolean> {
    const args = [now.getTime(), until.getTime(), EXPIRY_SLACK_MS];
    return (await this.redis.eval(CLAIM, 1, `${this.prefix}once:${id}`, ...args)) === 1;
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.counter(key), this.lockKey(key));
  }

  async prune(): Promise<void> {
    // Redis expires finished windows and locks itself.
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
