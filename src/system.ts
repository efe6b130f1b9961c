// The composition root: config in, a running system out (database, jobs, adapters, HTTP, worker).
import type { Logger } from "pino";
import { OutboxEmail, OutboxSms } from "./adapters/outbox/outbox.ts";
import { RegistrySimulator } from "./adapters/simulator/registry-simulator.ts";
import { accountRoutes } from "./flows/account/routes.ts";
import { devRoutes } from "./flows/dev/routes.ts";
import { loginRoutes } from "./flows/login/routes.ts";
import { recoveryRoutes } from "./flows/recovery/routes.ts";
import { registrationRoutes } from "./flows/registration/routes.ts";
import { trackingRoutes } from "./flows/tracking/routes.ts";
import type { Clock } from "./platform/clock.ts";
import { systemClock } from "./platform/clock.ts";
import type { Config } from "./platform/config.ts";
import { openDatabase } from "./platform/database.ts";
import { createHttp } from "./platform/http.ts";
import { Jobs } from "./platform/jobs.ts";
import { createLogger } from "./platform/logging.ts";
import { migrate } from "./platform/migrate.ts";
import { dummyHash } from "./platform/passwords.ts";
import { webRoutes } from "./web/routes.ts";
import { QUEUES, startWorker, type Worker } from "./worker.ts";

export type SystemOptions = {
  config: Config;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  sweepIntervalMs?: number;
};

export async function startSystem(options: SystemOptions) {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (err) => logger.error({ err }, "database connection lost"),
  });
  const { db } = database;
  await migrate(db);
  const jobs = new Jobs({
    pool: database.pool,
    embedded: database.embedded,
    databaseUrl: config.databaseUrl,
  });
  await jobs.start(Object.values(QUEUES));
  jobs.boss.on("error", (err) => logger.error({ err }, "job queue error"));
  await dummyHash();

  const registry = RegistrySimulator.fromFile(config.registryFixture, {
    latencyMs: config.registryLatencyMs,
    failureRate: config.registryFailureRate,
    ...(options.random ? { random: options.random } : {}),
  });
  const now = () => clock.now();
  const sms = new OutboxSms(db, now);
  const email = new OutboxEmail(db, now);

  const app = createHttp(logger, { trustProxy: config.trustProxy });
  app.get("/healthz", async () => ({ status: "ok" }));
  const rateLimits = config.rateLimits;
  registrationRoutes(app, { db, jobs, clock, rateLimits });
  trackingRoutes(app, { db, clock, expiryHours: config.registrationExpiryHours, rateLimits });
  const sessions = { idleMinutes: config.sessionIdleMinutes, absoluteHours: config.sessionAbsoluteHours };
  loginRoutes(app, { db, clock, sessions, rateLimits, cookieSecure: config.cookieSecure });
  const codes = { secretKey: config.secretKey, codeMinutes: config.codeValidityMinutes };
  recoveryRoutes(app, { db, jobs, clock, rateLimits, ...codes });
  accountRoutes(app, { db, jobs, clock, rateLimits, sessions, mobileOwnership: registry, ...codes });
  if (config.smsProvider === "outbox") devRoutes(app, { db });
  webRoutes(app, { logger });

  const verify = {
    db,
    jobs,
    clock,
    registry,
    mobileOwnership: registry,
    expiryHours: config.registrationExpiryHours,
    ...(options.random ? { random: options.random } : {}),
  };
  const courier = { db, sms, email, clock };
  let worker: Worker | undefined;
  if (config.worker) {
    worker = await startWorker({
      jobs,
      verify,
      courier,
      logger,
      sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
    });
  }
  await app.ready();

  return {
    app,
    db,
    database,
    jobs,
    registry,
    clock,
    logger,
    worker,
    verify,
    courier,
    async close() {
      await app.close();
      worker?.stop();
      await jobs.stop();
      await database.close();
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;
