// A whole system per test file, isolated: a fresh PGlite folder, or with DATABASE_URL a fresh
// PostgreSQL database created for the file and dropped after it. The same suite runs on both.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/platform/clock.ts";
import { type Config, loadConfig } from "../../src/platform/config.ts";
import { useTestHashCost } from "../../src/platform/passwords.ts";
import { RedisThrottleStore } from "../../src/platform/throttle-redis.ts";
import { type System, startSystem } from "../../src/system.ts";
import { freshPostgres, seedDataDir, TEMPLATE_DB } from "./template.ts";
import { timed } from "./timing.ts";

export type TestSystem = System & {
  clock: ManualClock;
  stop(): Promise<void>;
};

export const onPostgres = Boolean(process.env.DATABASE_URL);

export async function startTestSystem(
  env: Record<string, string> = {},
  options: { clock?: ManualClock; sweepIntervalMs?: number; random?: () => number } = {},
): Promise<TestSystem> {
  // No test of a whole system looks at the hash's cost; src/platform/passwords.test.ts and the
  // benchmark keep OWASP's.
  // (A file run with node --test without NODE_ENV=test hashes at OWASP's.)
  if (process.env.NODE_ENV === "test") useTestHashCost();
  const dataDir = mkdtempSync(join(tmpdir(), "hoviat-test-"));
  // The run's migrated template (template.ts) when this system gets a database of its own.
  const own = !env.DATA_DIR && !env.DATABASE_URL;
  if (own) await timed("database", async () => seedDataDir(dataDir));
  const pgdb = process.env.DATABASE_URL
    ? await timed("database", () =>
        freshPostgres(process.env.DATABASE_URL as string, own ? process.env[TEMPLATE_DB] : undefined),
      )
    : undefined;
  const config: Config = loadConfig({
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    ...(pgdb ? { DATABASE_URL: pgdb.url } : {}),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    // With REDIS_URL the throttles go to Redis, under a prefix of this system's own.
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix() } : {}),
    ...env,
  });
  const clock = options.clock ?? new ManualClock(new Date());
  // Start-up is mostly the database: initdb (embedded) and the migrations.
  const system = await timed("database", () =>
    startSystem({
      config,
      clock,
      // Tests drive the sweeper by hand (system.worker.sweep()) so that nothing moves behind their back.
      sweepIntervalMs: options.sweepIntervalMs ?? 3_600_000,
      ...(options.random ? { random: options.random } : {}),
    }),
  );
  return Object.assign(system, {
    clock,
    async stop() {
      if (system.throttles instanceof RedisThrottleStore) await deleteRedisKeys(system.throttles);
      await system.close();
      if (pgdb) await timed("database", () => pgdb.drop());
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export function uniqueRedisPrefix(): string {
  return `hoviat:test:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** Deletes the keys under the store's own prefix, and no other. */
export async function deleteRedisKeys(store: RedisThrottleStore): Promise<void> {
  const stream = store.redis.scanStream({ match: `${store.prefix}*`, count: 500 });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await store.redis.del(...keys);
}

/** Forgets every rate-limit count and lockout, in whichever store the system uses. */
export async function clearThrottles(sys: System): Promise<void> {
  await sys.db.deleteFrom("throttles").execute();
  await sys.db.deleteFrom("used_challenges").execute();
  if (sys.throttles instanceof RedisThrottleStore) await deleteRedisKeys(sys.throttles);
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
