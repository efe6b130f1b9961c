// The error handler's one place for database trouble: a lost connection (PostgreSQL or Redis) is 503
// with Retry-After (the client may try again), a value the database refuses is 400, else a 500.
import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { isDatabaseUnavailable } from "../src/platform/database.ts";
import { createHttp } from "../src/platform/http.ts";

const withCode = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

const unavailable = [
  withCode("terminating connection due to administrator command", "57P01"),
  withCode("terminating connection due to crash of another server process", "57P02"),
  withCode("the database system is starting up", "57P03"),
  withCode("connection failure", "08006"),
  // PGlite's (and PostgreSQL's) answer to a full disk, seen in the fault campaign: a 503, not a 500.
  withCode('could not extend file "base/5/16384": No space left on device', "53100"),
  withCode("read ECONNRESET", "ECONNRESET"),
  withCode("read ECONNABORTED", "ECONNABORTED"),
  withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
  withCode("Connection terminated unexpectedly"),
  withCode("timeout exceeded when trying to connect"),
  Object.assign(new AggregateError([withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")]), {
    message: "",
  }),
  new Error("query failed", { cause: withCode("Connection terminated") }),
  // ioredis, with Redis gone: the throttles fail closed, as a 503.
  new Error(
    'Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.',
  ),
  new Error("Connection is closed."),
];

test("connection-class errors are recognised, query errors are not", () => {
  for (const error of unavailable) assert.ok(isDatabaseUnavailable(error), error.message);
  for (const error of [
    withCode("duplicate key", "23505"),
    withCode("syntax error", "42601"),
    new Error("boom"),
  ]) {
    assert.ok(!isDatabaseUnavailable(error), error.message);
  }
});

test("the error handler answers 503 problem+json with Retry-After, 400 for a refused value, 500 otherwise", async () => {
  const app = createHttp(pino({ level: "silent" }), { trustProxy: false });
  let next: Error = new Error("unset");
  app.get("/boom", async () => {
    throw next;
  });
  await app.ready();
  for (const error of unavailable) {
    next = error;
    const res = await app.inject({ method: "GET", url: "/boom" });
    assert.equal(res.statusCode, 503, error.message);
    assert.ok(Number(res.headers["retry-after"]) >= 1);
    assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
    assert.equal(res.json().code, "unavailable");
  }
  next = withCode('invalid byte sequence for encoding "UTF8": 0x00', "22021");
  assert.equal((await app.inject({ method: "GET", url: "/boom" })).statusCode, 400);
  next = new Error("a bug");
  assert.equal((await app.inject({ method: "GET", url: "/boom" })).statusCode, 500);
  await app.close();
});
