// The composition root: config in, a running system out (database, jobs, adapters, HTTP, worker).
import type { Server } from "node:http";
import type { Logger } from "pino";
import { createAdapters } from "./adapters/index.ts";
import { emailConfirmationRoutes } from "./flows/account/email-confirmation.ts";
import { accountRoutes } from "./flows/account/routes.ts";
import { firstPasswordRoutes } from "./flows/branch/first-password-routes.ts";
import { devRoutes } from "./flows/dev/routes.ts";
import { factorRoutes } from "./flows/factors/routes.ts";
import { cancelAccountReset } from "./flows/login/account-reset.ts";
import { accountResetRoutes } from "./flows/login/account-reset-routes.ts";
import { loginRoutes } from "./flows/login/routes.ts";
import { secondFactorSettings } from "./flows/login/second-factor.ts";
import { startSso } from "./flows/oidc/index.ts";
import { passkeyRoutes } from "./flows/passkeys/routes.ts";
import { relyingPartyOf } from "./flows/passkeys/webauthn.ts";
import { recoveryRoutes } from "./flows/recovery/routes.ts";
import { registrationRoutes } from "./flows/registration/routes.ts";
import { staffRoutes } from "./flows/staff/routes.ts";
import { trackingRoutes } from "./flows/tracking/routes.ts";
import { Challenges } from "./platform/challenge.ts";
import type { Clock } from "./platform/clock.ts";
import { systemClock } from "./platform/clock.ts";
import type { Config } from "./platform/config.ts";
import { openDatabase } from "./platform/database.ts";
import { createHttp } from "./platform/http.ts";
import { Jobs } from "./platform/jobs.ts";
import { createLogger } from "./platform/logging.ts";
import { countedSms, createMetrics, healthRoutes, observeHttp } from "./platform/metrics.ts";
import { migrate } from "./platform/migrate.ts";
import { registerOpenApi } from "./platform/openapi.ts";
import { createOpsApp } from "./platform/ops-http.ts";
import { dummyHash } from "./platform/passwords.ts";
import { cutConnectionsAt, TIMED_OUT, within } from "./platform/shutdown.ts";
import { withStartupLock } from "./platform/startup-lock.ts";
import { PostgresThrottleStore } from "./platform/throttle.ts";
import { RedisThrottleStore } from "./platform/throttle-redis.ts";
import { webRoutes } from "./web/routes.ts";
import { QUEUES, startWorker, type Worker } from "./worker.ts";

/** After the grace, how long each remaining close (job queue, Redis, database) may take. */
export const CLOSE_STEP_MS = 2_000;

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
    poolSize: config.databasePoolSize,
    prepare: config.databasePrepare,
    dataDir: config.dataDir,
    onError: (err) => logger.error({ err }, "database connection lost"),
  });
  const { db } = database;
  await migrate(db);
  const jobs = new Jobs({
    pool: database.pool,
    embedded: database.embedded,
    databaseUrl: config.databaseUrl,
    onError: (err) => logger.error({ err }, "job queue error"),
  });
  await withStartupLock(database, () => jobs.start(Object.values(QUEUES)));
  await dummyHash();
  const redis = config.redisUrl
    ? await RedisThrottleStore.connect(config.redisUrl, config.redisPrefix, (err) =>
        logger.error({ err }, "redis connection error"),
      )
    : undefined;
  const throttles = redis ?? new PostgresThrottleStore(db);

  const adapters = createAdapters(config, db, clock, options.random ? { random: options.random } : {});
  const { registry, email } = adapters;
  const metrics = createMetrics(db);
  const sms = countedSms(adapters.sms, metrics);

  const app = createHttp(logger, {
    trustProxy: config.trustProxy,
    hsts: config.cookieSecure || config.env === "production",
  });
  observeHttp(app, metrics);
  await registerOpenApi(app);
  const opsDeps = { db, jobs, metrics, ...(redis ? { redis } : {}) };
  healthRoutes(app, opsDeps);
  const rateLimits = config.rateLimits;
  const challenges = new Challenges({
    store: throttles,
    clock,
    secretKey: config.secretKey,
    enabled: rateLimits,
    refusalDelayMs: config.challengeDelayMs,
    prefixes: { subnet: config.ipv6SubnetPrefix, spread: config.ipv6SpreadPrefix },
  });
  const limits = { rateLimits, throttles, challenges };
  const codes = {
    secretKey: config.secretKey,
    secretKeys: config.secretKeys,
    codeMinutes: config.codeValidityMinutes,
    otpHost: new URL(config.publicUrl).hostname,
    publicUrl: config.publicUrl,
  };
  // What every flow's routes are given; the holder's own flows add the session policy and the
  // mobile-ownership registry.
  const flow = { db, jobs, clock, ...limits, ...codes };
  registrationRoutes(app, flow);
  trackingRoutes(app, { ...flow, expiryHours: config.registrationExpiryHours });
  const sessions = { idleMinutes: config.sessionIdleMinutes, absoluteHours: config.sessionAbsoluteHours };
  const holderFlow = { ...flow, sessions, mobileOwnership: adapters.mobileOwnership };
  // Any full sign-in of the holder cancels a waiting account reset.
  const secondFactor = secondFactorSettings(config, [
    (db, accountId, now) => cancelAccountReset(db, accountId, now).then(() => undefined),
  ]);
  loginRoutes(app, { ...flow, sessions, cookieSecure: config.cookieSecure, secondFactor });
  recoveryRoutes(app, flow);
  accountRoutes(app, holderFlow);
  factorRoutes(app, { ...holderFlow, secondFactor });
  const relyingParty = relyingPartyOf(config.publicUrl);
  passkeyRoutes(app, {
    ...holderFlow,
    relyingParty,
    onFullSignIn: [(accountId, now) => cancelAccountReset(db, accountId, now).then(() => undefined)],
    cookieSecure: config.cookieSecure,
  });
  accountResetRoutes(app, { ...holderFlow, cookieSecure: config.cookieSecure });
  staffRoutes(app, {
    ...flow,
    cookieSecure: config.cookieSecure,
    policy: { idleMinutes: config.staffSessionIdleMinutes, absoluteHours: config.staffSessionAbsoluteHours },
    fourEyes: config.branchFourEyes,
    scope: config.branchScope,
    relyingParty,
  });
  firstPasswordRoutes(app, flow);
  emailConfirmationRoutes(app, holderFlow);
  const sso = await startSso(app, { config, db, clock, logger, throttles, challenges, jobs, secondFactor });
  if (config.smsProviders.includes("outbox")) devRoutes(app, { db });
  webRoutes(app, { logger });

  const verify = {
    db,
    jobs,
    clock,
    registry,
    mobileOwnership: adapters.mobileOwnership,
    expiryHours: config.registrationExpiryHours,
    ...(options.random ? { random: options.random } : {}),
  };
  const courier = { db, jobs, sms, email, clock, metrics };
  let worker: Worker | undefined;
  if (config.worker) {
    worker = await startWorker({
      jobs,
      verify,
      courier,
      logger,
      throttles,
      sweepIntervalMs: options.sweepIntervalMs ?? 5_000,
      retention: config.retention,
    });
  }
  await app.ready();
  const ops = await createOpsApp(app, logger, opsDeps);

  return {
    app,
    /** The internal listener's app: /metrics, /docs, /docs/json, /healthz, /readyz (main.ts listens on OPS_PORT). */
    ops,
    db,
    database,
    jobs,
    /** The registry simulator (tests inject outages); throws when REGISTRY_PROVIDER=http. */
    get registry() {
      if (!adapters.simulator) throw new Error("system.registry is the simulator; REGISTRY_PROVIDER=http");
      return adapters.simulator;
    },
    adapters,
    metrics,
    throttles,
    challenges,
    clock,
    logger,
    worker,
    verify,
    courier,
    sso,
    /** The WebAuthn relying party of PUBLIC_URL (tests' software authenticators answer its origin). */
    relyingParty,
    /**
     * Stops accepting, lets requests and jobs in flight finish for `graceMs` (SHUTDOWN_GRACE_MS), then
     * closes every connection and job left, whatever its client does; each close after that is bounded
     * by CLOSE_STEP_MS. `servers`: listeners of the caller's own (main.ts's worker health listener).
     */
    async close(options: { graceMs?: number; servers?: Server[] } = {}) {
      const deadline = Date.now() + (options.graceMs ?? config.shutdownGraceMs);
      const step = async (name: string, closing: Promise<unknown>, ms = CLOSE_STEP_MS) => {
        if ((await within(closing, ms)) === TIMED_OUT) {
          logger.warn({ step: name, ms }, "shutdown: a step did not finish in time, left behind");
        }
      };
      sso.close();
      const servers = [app.server, ops.server, ...(options.servers ?? [])];
      const callOff = cutConnectionsAt(deadline, servers);
      const own = (options.servers ?? []).map(
        (server) => new Promise<void>((resolve) => server.close(() => resolve())),
      );
      const http = Promise.all([app.close(), ops.close(), ...own]);
      await step("http", http, deadline - Date.now() + CLOSE_STEP_MS);
      callOff();
      worker?.stop();
      await jobs.stop(deadline, CLOSE_STEP_MS);
      adapters.close();
      if (redis) await step("redis", redis.close());
      await step("database", database.close());
    },
  };
}

export type System = Awaited<ReturnType<typeof startSystem>>;
