// The effective configuration with its secrets hidden, for `npm run cli -- config` and start-up logs.
import type { Config } from "./config.ts";

const SECRETS = ["secretKey", "kavenegarApiKey", "smsWebhookToken", "registryApiKey"] as const;
const URLS_WITH_PASSWORDS = ["databaseUrl", "smtpUrl", "redisUrl"] as const;

export function maskedConfig(config: Config): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...config };
  for (const key of SECRETS) if (config[key]) shown[key] = "******** (set)";
  shown.secretKeys = `${config.secretKeys.length} key(s), ******** (set)`;
  for (const key of URLS_WITH_PASSWORDS) {
    const value = config[key];
    if (!value) continue;
    try {
      const url = new URL(value);
      if (url.password) url.password = "********";
      shown[key] = url.toString();
    } catch {
      shown[key] = "******** (unparsable URL)";
    }
  }
  return shown;
}
