// The ThrottleStore contract against PostgreSQL (PGlite, or DATABASE_URL) and Redis.
import { PostgresThrottleStore } from "../src/platform/throttle.ts";
import { RedisThrottleStore } from "../src/platform/throttle-redis.ts";
import { throttleContract } from "./contracts/throttle-contract.ts";
import { redisSkip, TEST_REDIS_URL } from "./helpers/redis.ts";
import { deleteRedisKeys, startTestSystem, uniqueRedisPrefix } from "./helpers/system.ts";

throttleContract("PostgreSQL", async () => {
  const sys = await startTestSystem({ REDIS_URL: "" });
  return { store: new PostgresThrottleStore(sys.db), close: () => sys.stop() };
});

throttleContract(
  `Redis at ${TEST_REDIS_URL}`,
  async () => {
    const store = await RedisThrottleStore.connect(TEST_REDIS_URL, uniqueRedisPrefix());
    return {
      store,
      async close() {
        await deleteRedisKeys(store);
        await store.close();
      },
    };
  },
  { skip: await redisSkip() },
);
