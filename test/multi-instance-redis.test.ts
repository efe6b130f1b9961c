// Two web processes with REDIS_URL on one PostgreSQL database: the login lockout is counted in Redis
// (under this run's own key prefix, nothing in the throttles table) and holds on both instances.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import pg from "pg";
import { zahra } from "./helpers/people.ts";
import { redisSkip, TEST_REDIS_URL } from "./helpers/redis.ts";
import { onPostgres, uniqueRedisPrefix } from "./helpers/system.ts";
import { type FreshDatabase, freshDatabase, type HoviatProcess, startHoviat } from "./ops-processes.ts";

const skip = !onPostgres ? "needs DATABASE_URL: several processes share one PostgreSQL" : await redisSkip();
const prefix = uniqueRedisPrefix();
let database: FreshDatabase;
let web: HoviatProcess[] = [];
let redis: Redis;

before(async () => {
  if (skip) return;
  redis = new Redis(TEST_REDIS_URL);
  database = await freshDatabase();
  const env = {
    ...database.env,
    ROLE: "web",
    LOG_LEVEL: "warn",
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
  };
  web = await Promise.all([startHoviat(env), startHoviat(env)]);
});
after(async () => {
  await Promise.all(web.map((p) => p.stop("SIGTERM")));
  await database?.drop();
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
});

async function login(instance: HoviatProcess, password: string) {
  const response = await fetch(`${instance.url}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ nationalId: zahra.nationalId, password }),
  });
  return response.status;
}

test("with REDIS_URL the login failures are counted in Redis and the challenge holds across both web instances", {
  skip,
}, async () => {
  const [a, b] = web as [HoviatProcess, HoviatProcess];
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push(await login(i % 2 === 0 ? a : b, "Wrong2026pass"));
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);
  for (const instance of [a, b]) assert.equal(await login(instance, "Wrong2026pass"), 429);

  assert.ok(
    (await redis.keys(`${prefix}c:*`)).length > 0,
    "the count is a Redis key under this run's prefix",
  );
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const { rows } = await db.query("select count(*)::int as n from throttles");
  await db.end();
  assert.equal(rows[0].n, 0, "nothing counted in PostgreSQL");

  for (const instance of [a, b]) {
    const ready = await fetch(`${instance.url}/readyz`);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, {
      database: "ok",
      queue: "ok",
      redis: "ok",
    });
  }
});
