// R-SSO wired into the system: the provider on our database, the e-services of OIDC_CLIENTS_FILE,
// the routes, and the hook other flows call to end SSO sessions.
import type { ClientMetadata } from "oidc-provider";
import type { Logger } from "pino";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Config } from "../../platform/config.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import type { SecondFactorSettings } from "../login/second-factor.ts";
import { eserviceRoutes } from "./account-routes.ts";
import { purgeExpired } from "./adapter.ts";
import { type ClientInput, ClientInputError, readClientsFile, toMetadata } from "./client-input.ts";
import { resealClients, upsertClient } from "./clients.ts";
import { demoEserviceRoute } from "./dev-routes.ts";
import { followKeys } from "./keys.ts";
import { registerProvider } from "./logout.ts";
import { createProvider, longestSignedTokenMs } from "./provider.ts";
import { oidcRoutes } from "./routes.ts";
import { clientAdminRoutes } from "./staff-routes.ts";

export type SsoDeps = {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  throttles: ThrottleStore;
  challenges: Challenges;
  jobs: Jobs;
  secondFactor: SecondFactorSettings;
};

export async function startSso(app: Http, deps: SsoDeps) {
  const { config, db, clock } = deps;
  const sessions = { idleMinutes: config.sessionIdleMinutes, absoluteHours: config.sessionAbsoluteHours };
  const keyTimes = {
    graceMs: config.oidcKeyGraceMinutes * 60_000,
    longestTokenMs: longestSignedTokenMs(sessions),
  };
  const provider = await createProvider({
    db,
    clock,
    logger: deps.logger,
    issuer: config.publicUrl,
    secretKeys: config.secretKeys,
    sessions,
    trustProxy: config.trustProxy,
    allowLoopbackBackchannel: config.oidcAllowLoopbackBackchannel,
    keyTimes,
  });
  // A rotation by the CLI, the console or another instance reaches this one within a minute.
  const keys = followKeys(provider, { db, now: () => clock.now(), times: keyTimes, logger: deps.logger });
  registerProvider(db, provider, deps.logger);
  const resealed = await resealClients(db, config.secretKeys, clock.now());
  if (resealed > 0)
    deps.logger.info({ resealed }, "e-service secrets sealed again under the current SECRET_KEY");
  const validate = async (input: ClientInput) => {
    try {
      await provider.Client.validate(toMetadata(input) as unknown as ClientMetadata);
    } catch (error) {
      const why = (error as { error_description?: string }).error_description ?? String(error);
      throw new ClientInputError(`client ${input.client_id}: ${why}`);
    }
  };
  if (config.oidcClientsFile) {
    for (const client of readClientsFile(config.oidcClientsFile)) {
      await validate(client);
      await upsertClient(db, client, "file", config.secretKey, clock.now());
    }
  }
  oidcRoutes(app, {
    provider,
    db,
    clock,
    sessions,
    rateLimits: config.rateLimits,
    throttles: deps.throttles,
    challenges: deps.challenges,
    jobs: deps.jobs,
    cookieSecure: config.cookieSecure,
    secondFactor: deps.secondFactor,
  });
  eserviceRoutes(app, { db, clock, sessions });
  const policy = {
    idleMinutes: config.staffSessionIdleMinutes,
    absoluteHours: config.staffSessionAbsoluteHours,
  };
  clientAdminRoutes(app, {
    db,
    clock,
    policy,
    secretKey: config.secretKey,
    validate,
    keyGraceMs: keyTimes.graceMs,
    refreshKeys: keys.refresh,
  });
  // As the dev outbox: never where production's configuration is (it refuses the outbox provider).
  if (config.smsProviders.includes("outbox") && config.env !== "production")
    demoEserviceRoute(app, { db, clock, secretKey: config.secretKey });

  // Expired codes, tokens and sessions are never read again (find checks the expiry); drop them hourly.
  const purge = setInterval(() => {
    purgeExpired(db, clock.now()).catch((err) => deps.logger.warn({ err }, "oidc purge failed"));
  }, 3_600_000);
  purge.unref();
  return {
    provider,
    validate,
    keys,
    keyTimes,
    close() {
      clearInterval(purge);
      keys.stop();
    },
  };
}
