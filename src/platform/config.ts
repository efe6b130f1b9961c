// Every setting of the server, read from the environment once, validated, documented where defined.
// The README's settings table is written from this file: keep the two in step.
import { readFileSync } from "node:fs";
import { isIP, isIPv6 } from "node:net";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./config-error.ts";
import type { Retention } from "./partitions.ts";
import { parseTrustProxy, type TrustProxy } from "./trust-proxy.ts";

export type SmsProvider = "outbox" | "kavenegar" | "webhook";
export type Config = {
  /** NODE_ENV: "production" refuses simulator/outbox providers and insecure cookies. */
  env: "development" | "test" | "production";
  /** PORT: HTTP port (default 3000; 0 picks a free one). */
  port: number;
  /** HOST: interface to bind (default 127.0.0.1; `::` is every interface, IPv6 and IPv4). */
  host: string;
  /**
   * OPS_PORT: the internal listener of /metrics, /docs, /docs/json, /healthz and /readyz (default 9464,
   * Prometheus exporters' customary port; 0 picks a free one). Keep it off the public network.
   */
  opsPort: number;
  /** OPS_HOST: interface of the internal listener (default 127.0.0.1). */
  opsHost: string;
  /** DATABASE_URL: PostgreSQL connection string; absent = embedded PGlite in DATA_DIR. */
  databaseUrl: string | undefined;
  /**
   * DATABASE_POOL_SIZE: connections each process keeps to PostgreSQL (default 10). The budget is
   * instances × this ≤ what PostgreSQL (or pgbouncer) admits: see docs/decisions/011-scale.md.
   */
  databasePoolSize: number;
  /**
   * DATABASE_PREPARE: `on` (default) sends the hot statements (a sign-in's) as named prepared
   * statements; `off` for a pooler in transaction mode that cannot carry them (PgBouncer before 1.21,
   * or without max_prepared_statements).
   */
  databasePrepare: boolean;
  /** DATA_DIR: folder of the embedded database (default ./data). */
  dataDir: string;
  /**
   * REDIS_URL: redis:// or rediss:// URL; when set, attempt and volume counters and used challenge
   * solutions live in Redis instead of PostgreSQL (every instance must use the same one). Its
   * password, if any, is a secret.
   */
  redisUrl: string | undefined;
  /** REDIS_PREFIX: prefix of every Redis key the system writes (default `hoviat:throttle:`). */
  redisPrefix: string;
  /** REGISTRY_FIXTURE: JSON file of people served by the civil-registry/mobile-ownership simulator. */
  registryFixture: string;
  /** REGISTRY_LATENCY_MS: simulated latency of each registry call (default 0). */
  registryLatencyMs: number;
  /** REGISTRY_FAILURE_RATE: share (0..1) of simulated registry calls that fail (default 0). */
  registryFailureRate: number;
  /**
   * SMS_PROVIDER: how SMS leave the system: `outbox` records them in the database (default), `kavenegar`,
   * `webhook`; a comma list (`kavenegar,webhook`) is a failover order, tried in turn for each message.
   */
  smsProviders: SmsProvider[];
  /** KAVENEGAR_API_KEY: the account's API key (secret); required when kavenegar is a provider. */
  kavenegarApiKey: string | undefined;
  /** KAVENEGAR_SENDER: the sender line (e.g. 10004346); the account's default line when unset. */
  kavenegarSender: string | undefined;
  /** KAVENEGAR_BASE_URL: the API up to its version (default https://api.kavenegar.com/v1). */
  kavenegarBaseUrl: string;
  /** KAVENEGAR_OTP_TEMPLATE: a verify/lookup template name; messages carrying a code go through it. */
  kavenegarOtpTemplate: string | undefined;
  /**
   * SMS_WEBHOOK_URL / SMS_WEBHOOK_TOKEN: the generic gateway receiving POST {id, to, text}, and its bearer
   * token (secret). A comma list of URLs is a failover order of peers under the one token, tried in turn
   * for each message in the place of `webhook` in SMS_PROVIDER.
   */
  smsWebhookUrls: string[];
  smsWebhookToken: string | undefined;
  /** SMS_TIMEOUT_MS: how long one call to an SMS gateway may take (default 10000). */
  smsTimeoutMs: number;
  /** EMAIL_PROVIDER: how email leaves the system: `outbox` records it in the database (default), `smtp`. */
  emailProvider: "outbox" | "smtp";
  /** SMTP_URL: smtp://user:password@host:587 or smtps://…:465 (its password is a secret). */
  smtpUrl: string | undefined;
  /** EMAIL_FROM: the sender of every email (default `Hoviat <no-reply@hoviat.local>`). */
  emailFrom: string;
  /** REGISTRY_PROVIDER: `simulator` (default; the fixture above) or `http` (the registry-http contract at REGISTRY_URL). */
  registryProvider: "simulator" | "http";
  /** REGISTRY_URL: base URL of the civil-registry/mobile-ownership service; required with `http`. */
  registryUrl: string | undefined;
  /** REGISTRY_API_KEY: sent as the X-Api-Key header (secret). */
  registryApiKey: string | undefined;
  /** REGISTRY_TIMEOUT_MS: how long one registry call may take before it counts as a failure (default 5000). */
  registryTimeoutMs: number;
  /** REGISTRY_TLS_CERT / REGISTRY_TLS_KEY / REGISTRY_TLS_CA: PEM files for mutual TLS with the registry. */
  registryTls: { cert: string | undefined; key: string | undefined; ca: string | undefined };
  /**
   * ROLE: `all` (default: HTTP and jobs in one process), `web` (HTTP only, like WORKER=false) or `worker`
   * (jobs only; HTTP serves just /healthz, /readyz and /metrics on PORT).
   */
  role: "all" | "web" | "worker";
  /** WORKER: run background jobs in this process (default true; under ROLE=web or worker the role decides). */
  worker: boolean;
  /** SESSION_COOKIE_SECURE: send the session cookie only over HTTPS (default true in production). */
  cookieSecure: boolean;
  /** REGISTRATION_EXPIRY_HOURS: a request with no outcome after this long is expired (default 48). */
  registrationExpiryHours: number;
  /** SESSION_IDLE_MINUTES / SESSION_ABSOLUTE_HOURS: citizen session lifetimes (30 min / 12 h). */
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** STAFF_SESSION_IDLE_MINUTES / STAFF_SESSION_ABSOLUTE_HOURS: branch console session lifetimes (15 min / 8 h). */
  staffSessionIdleMinutes: number;
  staffSessionAbsoluteHours: number;
  /** BRANCH_SCOPE: `branch` (default: an activation begun in a branch is finished there) or `national`. */
  branchScope: "branch" | "national";
  /** BRANCH_FOUR_EYES: an activation waits for a second operator's approval (default false). */
  branchFourEyes: boolean;
  /**
   * SHUTDOWN_GRACE_MS: after SIGTERM (or SIGINT), how long requests and jobs in flight may finish
   * (default 10000); then every connection and job still open is closed and the process exits. A
   * second signal exits at once.
   */
  shutdownGraceMs: number;
  /** LOG_LEVEL: pino level (default info; silent in tests). */
  logLevel: string;
  /** RATE_LIMITS: `on` (default) or `off` (benchmarks only; refused in production). */
  rateLimits: boolean;
  /**
   * CHALLENGE_DELAY_MS: how long an answer that asks for a challenge waits before it is sent (default
   * 250; 0 in tests). A script that keeps asking gets a few answers a second, not hundreds, and takes
   * no CPU from the people signing in meanwhile; a person's browser spends longer solving it.
   */
  challengeDelayMs: number;
  /**
   * TRUST_PROXY: behind reverse proxies, which X-Forwarded-For hops to believe: a hop count (`1`: the
   * address our one proxy saw) or a comma list of the proxies' addresses/CIDRs. Default false (the
   * socket's address); `true` (the whole client-written chain) is refused (trust-proxy.ts).
   */
  trustProxy: TrustProxy;
  /**
   * IPV6_SUBNET_PREFIX: the prefix length that is one IPv6 client for every per-address counter
   * (default 64: a household, a phone or a server is given a whole /64, so its addresses are one).
   */
  ipv6SubnetPrefix: number;
  /**
   * IPV6_SPREAD_PREFIX: the shorter prefix whose /64s are also counted together, against ten times a
   * counter's threshold, so that a client holding a /48 gains little by spreading (default 48).
   */
  ipv6SpreadPrefix: number;
  /** CODE_VALIDITY_MINUTES: lifetime of a recovery, contact-change or sign-in code and of a reset token (default 5, at most 10). */
  codeValidityMinutes: number;
  /**
   * SECOND_FACTOR: `required` (default: every citizen sign-in asks a second factor after the password,
   * unless the browser was remembered) or `optional` (only holders who turned two-step sign-in on).
   */
  secondFactor: "required" | "optional";
  /**
   * SECRET_KEY: server secret (≥ 32 characters) keying the HMAC of one-time codes, the sealing of staff
   * TOTP secrets and the decoy security questions of unknown national IDs. A comma list rotates it: the
   * first key makes every new secret, the others still verify and open the old ones until removed.
   * The development default is refused in production.
   */
  secretKey: string;
  /** Every key of SECRET_KEY, the current one first. */
  secretKeys: string[];
  /**
   * PUBLIC_URL: the address people and e-services reach Hoviat at (an origin, e.g. https://hoviat.example.ir);
   * it is the OpenID Provider's issuer (discovery at /.well-known/openid-configuration). Default
   * http://HOST:PORT (an IPv6 HOST in brackets; `::` or `0.0.0.0` as localhost).
   */
  publicUrl: string;
  /**
   * OIDC_CLIENTS_FILE: a JSON file `{ "clients": [ … ] }` of e-services upserted at every start (see the
   * README); in development it defaults to fixtures/oidc-clients.dev.json (the demo e-service).
   */
  oidcClientsFile: string | undefined;
  /**
   * OIDC_ALLOW_LOOPBACK_BACKCHANNEL: let back-channel logout reach e-services on 127.0.0.1/localhost/::1,
   * which oidc-provider's SSRF guard refuses (default true outside production; refused in production).
   */
  oidcAllowLoopbackBackchannel: boolean;
  /**
   * OIDC_KEY_GRACE_MINUTES: after a signing-key rotation, how long the new keys are only published
   * before they sign (e-services refresh a cached JWKS within this time); default 60.
   */
  oidcKeyGraceMinutes: number;
  /**
   * How many days the sweeper keeps the rows of each time-partitioned table before it drops their month
   * whole (docs/decisions/020-time-partitions.md); a row lives at least this long and at most a month more.
   * RETENTION_SECURITY_EVENTS_DAYS (730: the holder's activity and support's evidence, two years),
   * RETENTION_AUDIT_LOG_DAYS (1826: staff acts are the organisation's evidence, five years),
   * RETENTION_MESSAGES_DAYS (30: what was sent, for support; the bodies' codes are dots by then),
   * RETENTION_MOBILE_VERIFICATIONS_DAYS (30: a proof lives minutes; a month answers support's questions),
   * RETENTION_SESSIONS_DAYS (30; never less than SESSION_ABSOLUTE_HOURS, the longest a session lives).
   */
  retention: Retention;
};

export const DEV_SECRET_KEY = "hoviat-development-secret-key-not-for-production";

export { ConfigError };

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

/** A comma list of allowed names, each at most once, in the order given. */
function list<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T[] {
  const raw = env[name];
  if (raw === undefined || raw === "") return [fallback];
  const items = raw.split(",").map((item) => item.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new ConfigError(`${name} must be a comma list of ${allowed.join(", ")}, got "${raw}"`);
    }
  }
  if (new Set(items).size !== items.length) throw new ConfigError(`${name} names a provider twice: "${raw}"`);
  return items as T[];
}

function url(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  if (!/^https?:\/\/[^/]/.test(raw)) throw new ConfigError(`${name} must be an http:// or https:// URL`);
  return raw;
}

/** A comma list of URLs, each checked as url() checks one; none is an empty list. */
function urls(env: Env, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw === "") return [];
  return raw.split(",").map((item) => url({ [name]: item.trim() }, name)!);
}

/** SECRET_KEY as a rotation list: `new,old` (each ≥ 32 characters, none twice). */
function secretKeys(env: Env): string[] {
  const raw = env.SECRET_KEY;
  if (!raw) return [DEV_SECRET_KEY];
  const keys = raw.split(",").map((k) => k.trim());
  if (keys.some((k) => k.length < 32)) {
    throw new ConfigError("SECRET_KEY must be at least 32 characters (each key of a comma list)");
  }
  if (new Set(keys).size !== keys.length) throw new ConfigError("SECRET_KEY lists a key twice");
  return keys;
}

const DEV_CLIENTS_FILE = resolve(import.meta.dirname, "../../fixtures/oidc-clients.dev.json");

/**
 * `host:port` as a URL's authority: an IPv6 address in brackets, and an address that means every
 * interface (`::`, `0.0.0.0`), where nobody can connect to, as `localhost`.
 */
export function urlAuthority(host: string, port: number | string): string {
  if (isIP(host) && /^[0:.]+$/.test(host)) return `localhost:${port}`;
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

function publicUrl(env: Env): string {
  const raw = env.PUBLIC_URL;
  if (!raw) return `http://${urlAuthority(env.HOST || "127.0.0.1", env.PORT || 3000)}`;
  const parsed = URL.canParse(raw) ? new URL(raw) : undefined;
  if (
    !parsed ||
    !/^https?:$/.test(parsed.protocol) ||
    parsed.pathname !== "/" ||
    parsed.search ||
    parsed.hash
  )
    throw new ConfigError(`PUBLIC_URL must be an http(s) origin without a path, got "${raw}"`);
  return parsed.origin;
}

function retention(env: Env): Retention {
  return {
    security_events: int(env, "RETENTION_SECURITY_EVENTS_DAYS", 730, 30, 36_500),
    audit_log: int(env, "RETENTION_AUDIT_LOG_DAYS", 1826, 365, 36_500),
    // Two days at least: a message is tried for an hour at most (MAX_SEND_ATTEMPTS, back-off to 5 min).
    messages: int(env, "RETENTION_MESSAGES_DAYS", 30, 2, 36_500),
    // A day at least: the per-day limits of mobile codes count these rows.
    mobile_verifications: int(env, "RETENTION_MOBILE_VERIFICATIONS_DAYS", 30, 1, 36_500),
    sessions: int(env, "RETENTION_SESSIONS_DAYS", 30, 1, 36_500),
  };
}

/** A month dropped while a row of it is still valid would sign people out: refuse to start instead. */
function refuseRetentionShorterThanLife(config: Config): void {
  const sessionDays = Math.ceil(config.sessionAbsoluteHours / 24);
  if (config.retention.sessions < sessionDays) {
    throw new ConfigError(
      `RETENTION_SESSIONS_DAYS (${config.retention.sessions}) is shorter than the longest session, ` +
        `SESSION_ABSOLUTE_HOURS=${config.sessionAbsoluteHours} (${sessionDays} days): set it to ${sessionDays} or more. ` +
        `نگهداری نشست‌ها (${config.retention.sessions} روز) کوتاه‌تر از طولانی‌ترین نشست (${sessionDays} روز) است؛ ` +
        `دست‌کم ${sessionDays} روز بگذارید.`,
    );
  }
}

function requireProviderSettings(config: Config): void {
  const missing: string[] = [];
  if (config.smsProviders.includes("kavenegar") && !config.kavenegarApiKey) missing.push("KAVENEGAR_API_KEY");
  if (config.smsProviders.includes("webhook")) {
    if (config.smsWebhookUrls.length === 0) missing.push("SMS_WEBHOOK_URL");
    if (!config.smsWebhookToken) missing.push("SMS_WEBHOOK_TOKEN");
  }
  if (config.emailProvider === "smtp" && !config.smtpUrl) missing.push("SMTP_URL");
  if (config.registryProvider === "http" && !config.registryUrl) missing.push("REGISTRY_URL");
  if (missing.length)
    throw new ConfigError(`missing settings for the chosen providers: ${missing.join(", ")}`);
  if (config.smtpUrl && !/^smtps?:\/\//.test(config.smtpUrl)) {
    throw new ConfigError("SMTP_URL must start with smtp:// or smtps://");
  }
}

/**
 * CONFIG_FILE: an optional file of KEY=value lines (dotenv syntax) read beneath the environment: a
 * variable set in the environment wins over the file, so one file serves every instance.
 */
export function withConfigFile(env: Env = process.env): Env {
  const file = env.CONFIG_FILE;
  if (!file) return env;
  let text: string;
  try {
    text = readFileSync(resolve(file), "utf8");
  } catch (error) {
    throw new ConfigError(`CONFIG_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
  const fromFile = parseEnv(text) as Env;
  return { ...fromFile, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
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
  const role = oneOf(env, "ROLE", ["all", "web", "worker"] as const, "all");
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    throw new ConfigError("REDIS_URL must start with redis:// or rediss://");
  }
  const config: Config = {
    env: mode,
    port: int(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    opsPort: int(env, "OPS_PORT", 9464, 0, 65535),
    opsHost: env.OPS_HOST || "127.0.0.1",
    databaseUrl,
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", 10, 1, 200),
    databasePrepare: oneOf(env, "DATABASE_PREPARE", ["on", "off"] as const, "on") === "on",
    dataDir: resolve(env.DATA_DIR || "./data"),
    redisUrl,
    redisPrefix: env.REDIS_PREFIX || "hoviat:throttle:",
    registryFixture: resolve(env.REGISTRY_FIXTURE || DEFAULT_FIXTURE),
    registryLatencyMs: int(env, "REGISTRY_LATENCY_MS", 0, 0, 60_000),
    registryFailureRate: rate,
    smsProviders: list(env, "SMS_PROVIDER", ["outbox", "kavenegar", "webhook"] as const, "outbox"),
    kavenegarApiKey: env.KAVENEGAR_API_KEY || undefined,
    kavenegarSender: env.KAVENEGAR_SENDER || undefined,
    kavenegarBaseUrl: url(env, "KAVENEGAR_BASE_URL") ?? "https://api.kavenegar.com/v1",
    kavenegarOtpTemplate: env.KAVENEGAR_OTP_TEMPLATE || undefined,
    smsWebhookUrls: urls(env, "SMS_WEBHOOK_URL"),
    smsWebhookToken: env.SMS_WEBHOOK_TOKEN || undefined,
    smsTimeoutMs: int(env, "SMS_TIMEOUT_MS", 10_000, 100, 120_000),
    emailProvider: oneOf(env, "EMAIL_PROVIDER", ["outbox", "smtp"] as const, "outbox"),
    smtpUrl: env.SMTP_URL || undefined,
    emailFrom: env.EMAIL_FROM || "Hoviat <no-reply@hoviat.local>",
    registryProvider: oneOf(env, "REGISTRY_PROVIDER", ["simulator", "http"] as const, "simulator"),
    registryUrl: url(env, "REGISTRY_URL"),
    registryApiKey: env.REGISTRY_API_KEY || undefined,
    registryTimeoutMs: int(env, "REGISTRY_TIMEOUT_MS", 5_000, 100, 120_000),
    registryTls: {
      cert: env.REGISTRY_TLS_CERT ? resolve(env.REGISTRY_TLS_CERT) : undefined,
      key: env.REGISTRY_TLS_KEY ? resolve(env.REGISTRY_TLS_KEY) : undefined,
      ca: env.REGISTRY_TLS_CA ? resolve(env.REGISTRY_TLS_CA) : undefined,
    },
    role,
    worker: role === "all" ? bool(env, "WORKER", true) : role === "worker",
    cookieSecure: bool(env, "SESSION_COOKIE_SECURE", mode === "production"),
    registrationExpiryHours: int(env, "REGISTRATION_EXPIRY_HOURS", 48, 1, 24 * 30),
    sessionIdleMinutes: int(env, "SESSION_IDLE_MINUTES", 30, 1, 24 * 60),
    sessionAbsoluteHours: int(env, "SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 30),
    staffSessionIdleMinutes: int(env, "STAFF_SESSION_IDLE_MINUTES", 15, 1, 120),
    staffSessionAbsoluteHours: int(env, "STAFF_SESSION_ABSOLUTE_HOURS", 8, 1, 12),
    branchScope: oneOf(env, "BRANCH_SCOPE", ["branch", "national"] as const, "branch"),
    branchFourEyes: bool(env, "BRANCH_FOUR_EYES", false),
    shutdownGraceMs: int(env, "SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    logLevel: oneOf(
      env,
      "LOG_LEVEL",
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const,
      mode === "test" ? "silent" : "info",
    ),
    rateLimits: oneOf(env, "RATE_LIMITS", ["on", "off"] as const, "on") === "on",
    challengeDelayMs: int(env, "CHALLENGE_DELAY_MS", mode === "test" ? 0 : 250, 0, 5_000),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    ipv6SubnetPrefix: int(env, "IPV6_SUBNET_PREFIX", 64, 16, 128),
    ipv6SpreadPrefix: int(env, "IPV6_SPREAD_PREFIX", 48, 16, 128),
    codeValidityMinutes: int(env, "CODE_VALIDITY_MINUTES", 5, 1, 10),
    secondFactor: oneOf(env, "SECOND_FACTOR", ["required", "optional"] as const, "required"),
    secretKey: "",
    secretKeys: secretKeys(env),
    publicUrl: publicUrl(env),
    oidcClientsFile: env.OIDC_CLIENTS_FILE
      ? resolve(env.OIDC_CLIENTS_FILE)
      : mode === "development"
        ? DEV_CLIENTS_FILE
        : undefined,
    oidcAllowLoopbackBackchannel: bool(env, "OIDC_ALLOW_LOOPBACK_BACKCHANNEL", mode !== "production"),
    oidcKeyGraceMinutes: int(env, "OIDC_KEY_GRACE_MINUTES", 60, 0, 7 * 24 * 60),
    retention: retention(env),
  };
  config.secretKey = config.secretKeys[0]!;
  refuseRetentionShorterThanLife(config);
  if (config.ipv6SpreadPrefix > config.ipv6SubnetPrefix) {
    throw new ConfigError(
      `IPV6_SPREAD_PREFIX (${config.ipv6SpreadPrefix}) must not be longer than IPV6_SUBNET_PREFIX (${config.ipv6SubnetPrefix})`,
    );
  }
  requireProviderSettings(config);
  if (config.env === "production") {
    const problems: string[] = [];
    if (config.smsProviders.includes("outbox")) problems.push("SMS_PROVIDER=outbox is for development only");
    if (config.registryProvider === "simulator") {
      problems.push("REGISTRY_PROVIDER=simulator is for development only");
    }
    // Citizens' identities travel to the registry: never in clear text.
    if (config.registryUrl?.startsWith("http://")) problems.push("REGISTRY_URL must be https://");
    // SMS carry one-time codes and gateway keys: never in clear text either.
    if (config.smsProviders.includes("kavenegar") && config.kavenegarBaseUrl.startsWith("http://")) {
      problems.push("KAVENEGAR_BASE_URL must be https://");
    }
    if (config.smsWebhookUrls.some((u) => u.startsWith("http://")))
      problems.push("SMS_WEBHOOK_URL must be https://");
    if (config.emailProvider === "outbox") problems.push("EMAIL_PROVIDER=outbox is for development only");
    if (!config.databaseUrl) problems.push("DATABASE_URL is required (embedded PGlite is for development)");
    if (!config.cookieSecure) problems.push("SESSION_COOKIE_SECURE must be true");
    if (!config.rateLimits) problems.push("RATE_LIMITS=off is for benchmarks only");
    if (config.secretKeys.includes(DEV_SECRET_KEY)) {
      problems.push("SECRET_KEY must be set to a secret of your own");
    }
    if (!config.publicUrl.startsWith("https://")) problems.push("PUBLIC_URL must be https://");
    if (config.oidcAllowLoopbackBackchannel)
      problems.push("OIDC_ALLOW_LOOPBACK_BACKCHANNEL is for development only");
    if (problems.length) throw new ConfigError(`refusing to start in production: ${problems.join("; ")}`);
  }
  return config;
}
