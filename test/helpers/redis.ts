// Redis for the tests: REDIS_URL, or the local one CI runs on 127.0.0.1:6379. Unreachable, the Redis
// tests skip and say why; under CI=true they never skip, so a CI machine without Redis fails.
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** false when Redis answers (or under CI), else the reason to skip. */
export async function redisSkip(): Promise<false | string> {
  if (process.env.CI) return false;
  const probe = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
    return false;
  } catch (error) {
    return `no Redis at ${TEST_REDIS_URL} (${(error as Error).message}); start one or set REDIS_URL`;
  } finally {
    probe.disconnect();
  }
}
