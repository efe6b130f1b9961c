// The one place that turns configuration into adapters for the ports: SMS (one provider or a failover
// order), email, and the civil/mobile-ownership registries.
import type { Clock } from "../platform/clock.ts";
import type { Config, SmsProvider } from "../platform/config.ts";
import type { Db } from "../platform/database.ts";
import type { CivilRegistry } from "../ports/civil-registry.ts";
import type { EmailSender } from "../ports/email.ts";
import type { MobileOwnership } from "../ports/mobile-ownership.ts";
import type { SmsSender } from "../ports/sms.ts";
import { FailoverSms } from "./failover-sms.ts";
import { KavenegarSms } from "./kavenegar/kavenegar.ts";
import { OutboxEmail, OutboxSms } from "./outbox/outbox.ts";
import { RegistryHttp } from "./registry-http/registry-http.ts";
import { RegistrySimulator } from "./simulator/registry-simulator.ts";
import { WebhookSms } from "./sms-webhook/sms-webhook.ts";
import { SmtpEmail } from "./smtp/smtp.ts";

/** Per SMTP step (connect, greeting, each command): a relay slower than this is treated as down. */
const SMTP_TIMEOUT_MS = 15_000;

export type Adapters = {
  sms: SmsSender;
  email: EmailSender;
  registry: CivilRegistry;
  mobileOwnership: MobileOwnership;
  /** Set when REGISTRY_PROVIDER=simulator: tests reach in to inject outages. */
  simulator: RegistrySimulator | undefined;
  close(): void;
};

export function createAdapters(
  config: Config,
  db: Db,
  clock: Clock,
  options: { random?: () => number } = {},
): Adapters {
  const now = () => clock.now();
  const smsOf = (provider: SmsProvider): SmsSender[] => {
    switch (provider) {
      case "outbox":
        return [new OutboxSms(db, now)];
      case "kavenegar":
        return [
          new KavenegarSms({
            apiKey: config.kavenegarApiKey!,
            sender: config.kavenegarSender,
            baseUrl: config.kavenegarBaseUrl,
            otpTemplate: config.kavenegarOtpTemplate,
            timeoutMs: config.smsTimeoutMs,
          }),
        ];
      case "webhook":
        // Peers of one gateway, in their order: `webhook`, `webhook-2`, …
        return config.smsWebhookUrls.map(
          (url, i) =>
            new WebhookSms({
              url,
              token: config.smsWebhookToken!,
              timeoutMs: config.smsTimeoutMs,
              ...(i > 0 ? { name: `webhook-${i + 1}` } : {}),
            }),
        );
    }
  };
  const providers = config.smsProviders.flatMap(smsOf);
  const sms = providers.length === 1 ? providers[0]! : new FailoverSms(providers);

  const smtp =
    config.emailProvider === "smtp"
      ? new SmtpEmail({
          url: config.smtpUrl!,
          from: config.emailFrom,
          timeoutMs: SMTP_TIMEOUT_MS,
          requireTls: config.env === "production",
        })
      : undefined;
  const email = smtp ?? new OutboxEmail(db, now);

  let simulator: RegistrySimulator | undefined;
  let registry: CivilRegistry & MobileOwnership;
  if (config.registryProvider === "http") {
    registry = new RegistryHttp({
      baseUrl: config.registryUrl!,
      apiKey: config.registryApiKey,
      timeoutMs: config.registryTimeoutMs,
      tls: config.registryTls,
      clock,
    });
  } else {
    simulator = RegistrySimulator.fromFile(config.registryFixture, {
      latencyMs: config.registryLatencyMs,
      failureRate: config.registryFailureRate,
      ...(options.random ? { random: options.random } : {}),
    });
    registry = simulator;
  }
  return { sms, email, registry, mobileOwnership: registry, simulator, close: () => smtp?.close() };
}
