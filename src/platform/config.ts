// Every setting of the server, read from the environment once, validated, documented where defined.
// The README's settings table is written from this file: keep the two in step.
import { resolve } from "node:path";

export type SmsProvider = "outbox";
export type Config = {
  /** NODE_ENV: "production" refuses simulator/outbox providers and insecure cookies. */
  env: "development" | "test" | "production";
  /** PORT: HTTP port (default 3000; 0 picks a free one). */
  port: number;
  /** HOST: interface to bind (default 127.0.0.1). */
  host: string;
  /** DATABASE_URL: PostgreSQL connection string; absent = embedded PGlite in DATA_DIR. */
  databaseUrl: string | undefined;
  /** DATA_DIR: folder of the embedded database (default ./data). */
  dataDir: string;
  /** REGISTRY_FIXTURE: JSON file of people served by the civil-registry/mobile-ownership simulator. */
  registryFixture: string;
  /** REGISTRY_LATENCY_MS: simulated latency of each registry call (default 0). */
  registryLatencyMs: number;
  /** REGISTRY_FAILURE_RATE: share (0..1) of simulated registry calls that fail (default 0). */
  registryFailureRate: number;
  /** SMS_PROVIDER: how SMS leave the system; `outbox` records them in the database (default). */
  smsProvider: SmsProvider;
  /** EMAIL_PROVIDER: how email leaves the system; `outbox` records it in the database (default). */
  emailProvider: "outbox";
  /** WORKER: run background jobs in this process (default true). */
  worker: boolean;
  /** SESSION_COOKIE_SECURE: send the session cookie only over HTTPS (default true in production). */
  cookieSecure: boolean;
  /** REGISTRATION_EXPIRY_HOURS: a request with no outcome after this long is expired (default 48). */
  registrationExpiryHours: number;
  /** SESSION_IDLE_MINUTES / SESSION_ABSOLUTE_HOURS: citizen session lifetimes (30 min / 12 h). */
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** LOG_LEVEL: pino level (default info; silent in tests). */
  logLevel: string;
  /** RATE_LIMITS: `on` (default) or `off` (benchmarks only; refused in production). */
  rateLimits: boolean;
  /** TRUST_PROXY: take the client address from X-Forwarded-For (behind a reverse proxy; default false). */
  trustProxy: boolean;
  /** CODE_VALIDITY_MINUTES: lifetime of a recovery or contact-change code and of a reset token (default 5, at most 10). */
  codeValidityMinutes: number;
  /**
   * SECRET_KEY: server secret (≥ 32 characters) keying the HMAC of one-time codes and the decoy security
   * questions of unknown national IDs. The development default is refused in production.
   */
  secretKey: string;
};

export const DEV_SECRET_KEY = "hoviat-development-secret-key-not-for-production";

export class ConfigError extends Error {}

const DEFAULT_FIXTURE = resolve(import.meta.dirname, "../../fixtures/registry.demo.json");

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "on", "yes"].includes(raw)) return true;
  if (["0", "false", "off", "no"].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function loadConfig(env: Env = process.env): Config {
  const mode = oneOf(env, "NODE_ENV", ["development", "test", "production"] as const, "development");
  const rate = Number(env.REGISTRY_FAILURE_RATE ?? 0);
  if (!(rate >= 0 && rate <= 1)) {
    throw new ConfigError(
      `REGISTRY_FAILURE_RATE must be a number from 0 to 1, got "${env.REGISTRY_FAILURE_RATE}"`,
    );
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const config: Config = {
    env: mode,
    port: int(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    databaseUrl,
    dataDir: resolve(env.DATA_DIR || "./data"),
    registryFixture: resolve(env.REGISTRY_FIXTURE || DEFAULT_FIXTURE),
    registryLatencyMs: int(env, "REGISTRY_LATENCY_MS", 0, 0, 60_000),
    registryFailureRate: rate,
    smsProvider: oneOf(env, "SMS_PROVIDER", ["outbox"] as const, "outbox"),
    emailProvider: oneOf(env, "EMAIL_PROVIDER", ["outbox"] as const, "outbox"),
    worker: bool(env, "WORKER", true),
    cookieSecure: bool(env, "SESSION_COOKIE_SECURE", mode === "production"),
    registrationExpiryHours: int(env, "REGISTRATION_EXPIRY_HOURS", 48, 1, 24 * 30),
    sessionIdleMinutes: int(env, "SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
    sessionAbsoluteHours: int(env, "SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 30),
    logLevel: oneOf(
      env,
      "LOG_LEVEL",
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const,
      mode === "test" ? "silent" : "info",
    ),
    rateLimits: oneOf(env, "RATE_LIMITS", ["on", "off"] as const, "on") === "on",
    trustProxy: bool(env, "TRUST_PROXY", false),
    codeValidityMinutes: int(env, "CODE_VALIDITY_MINUTES", 5, 1, 10),
    secretKey: env.SECRET_KEY || DEV_SECRET_KEY,
  };
  if (config.secretKey.length < 32) throw new ConfigError("SECRET_KEY must be at least 32 characters");
  if (config.env === "production") {
    const problems: string[] = [];
    if (config.smsProvider === "outbox") problems.push("SMS_PROVIDER=outbox is for development only");
    if (config.emailProvider === "outbox") problems.push("EMAIL_PROVIDER=outbox is for development only");
    if (!config.databaseUrl) problems.push("DATABASE_URL is required (embedded PGlite is for development)");
    if (!config.cookieSecure) problems.push("SESSION_COOKIE_SECURE must be true");
    if (!config.rateLimits) problems.push("RATE_LIMITS=off is for benchmarks only");
    if (config.secretKey === DEV_SECRET_KEY) problems.push("SECRET_KEY must be set to a secret of your own");
    if (problems.length) throw new ConfigError(`refusing to start in production: ${problems.join("; ")}`);
  }
  return config;
}
