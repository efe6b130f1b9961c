// Settings of the production adapters: parsing, required companions, production refusals, masking.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ConfigError, loadConfig, withConfigFile } from "../src/platform/config.ts";
import { maskedConfig } from "../src/platform/config-mask.ts";

const SECRET = "a-production-secret-of-at-least-32-characters";
const PRODUCTION = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://hoviat:db-password@db.internal/hoviat",
  SECRET_KEY: SECRET,
  SMS_PROVIDER: "kavenegar,webhook",
  KAVENEGAR_API_KEY: "kavenegar-key-123",
  KAVENEGAR_SENDER: "10004346",
  SMS_WEBHOOK_URL: "https://sms.internal/send",
  SMS_WEBHOOK_TOKEN: "webhook-token-456",
  EMAIL_PROVIDER: "smtp",
  SMTP_URL: "smtps://mailer:smtp-password@mail.internal:465",
  EMAIL_FROM: "سامانه هویت <no-reply@tamin.example>",
  REGISTRY_PROVIDER: "http",
  REGISTRY_URL: "https://registry.internal/v1",
  REGISTRY_API_KEY: "registry-key-789",
  PUBLIC_URL: "https://hoviat.example.ir",
};

describe("provider settings", () => {
  test("a full production configuration loads, with the failover order kept", () => {
    const config = loadConfig(PRODUCTION);
    assert.deepEqual(config.smsProviders, ["kavenegar", "webhook"]);
    assert.equal(config.kavenegarBaseUrl, "https://api.kavenegar.com/v1");
    assert.equal(config.registryProvider, "http");
    assert.equal(config.registryTimeoutMs, 5_000);
    assert.equal(config.role, "all");
  });

  test("unknown or repeated providers are refused", () => {
    assert.throws(
      () => loadConfig({ SMS_PROVIDER: "kavenegar,sms.ir" }),
      /comma list of outbox, kavenegar, webhook/,
    );
    assert.throws(
      () =>
        loadConfig({ SMS_PROVIDER: "webhook,webhook", SMS_WEBHOOK_URL: "http://x", SMS_WEBHOOK_TOKEN: "t" }),
      /twice/,
    );
    assert.throws(() => loadConfig({ EMAIL_PROVIDER: "sendmail" }), ConfigError);
  });

  test("SMS_WEBHOOK_URL may list the gateway's peers, in their failover order", () => {
    const peers = { SMS_PROVIDER: "webhook", SMS_WEBHOOK_TOKEN: "t" };
    const config = loadConfig({ ...peers, SMS_WEBHOOK_URL: "http://a/sms, http://b/sms" });
    assert.deepEqual(config.smsWebhookUrls, ["http://a/sms", "http://b/sms"]);
    assert.throws(() => loadConfig({ ...peers, SMS_WEBHOOK_URL: "http://a/sms,b" }), /SMS_WEBHOOK_URL/);
  });

  test("each chosen provider requires its settings", () => {
    assert.throws(() => loadConfig({ SMS_PROVIDER: "kavenegar" }), /KAVENEGAR_API_KEY/);
    assert.throws(() => loadConfig({ SMS_PROVIDER: "webhook" }), /SMS_WEBHOOK_URL, SMS_WEBHOOK_TOKEN/);
    assert.throws(() => loadConfig({ EMAIL_PROVIDER: "smtp" }), /SMTP_URL/);
    assert.throws(() => loadConfig({ REGISTRY_PROVIDER: "http" }), /REGISTRY_URL/);
    assert.throws(
      () => loadConfig({ REGISTRY_PROVIDER: "http", REGISTRY_URL: "ftp://x" }),
      /http:\/\/ or https:\/\//,
    );
  });

  test("ROLE decides whether jobs run here", () => {
    assert.equal(loadConfig({ ROLE: "web" }).worker, false);
    assert.equal(loadConfig({ ROLE: "worker", WORKER: "false" }).worker, true);
    assert.equal(loadConfig({ WORKER: "false" }).worker, false);
  });
});

describe("production refusals", () => {
  const refused = (env: Record<string, string>, pattern: RegExp) =>
    assert.throws(() => loadConfig({ ...PRODUCTION, ...env }), pattern);
  test("outbox, simulator, default secret, plain cookies and a clear-text registry", () => {
    refused({ SMS_PROVIDER: "kavenegar,outbox" }, /SMS_PROVIDER=outbox/);
    refused({ EMAIL_PROVIDER: "outbox" }, /EMAIL_PROVIDER=outbox/);
    refused({ REGISTRY_PROVIDER: "simulator" }, /REGISTRY_PROVIDER=simulator/);
    refused({ SECRET_KEY: "" }, /SECRET_KEY must be set/);
    refused({ SESSION_COOKIE_SECURE: "false" }, /SESSION_COOKIE_SECURE/);
    refused({ REGISTRY_URL: "http://registry.internal/v1" }, /REGISTRY_URL must be https/);
  });
});

describe("npm run cli -- config", () => {
  test("masks every secret and every password inside a URL", () => {
    const shown = JSON.stringify(maskedConfig(loadConfig(PRODUCTION)));
    for (const secret of [
      SECRET,
      "kavenegar-key-123",
      "webhook-token-456",
      "registry-key-789",
      "db-password",
      "smtp-password",
    ]) {
      assert.ok(!shown.includes(secret), `${secret} is shown`);
    }
    assert.match(shown, /smtps:\/\/mailer:\*{8}@mail\.internal:465/);
    assert.match(shown, /"kavenegarSender":"10004346"/);
  });

  test("the command prints the effective configuration as JSON, and stops on a bad one", () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["src/cli.ts", "config"], {
        env: { PATH: process.env.PATH ?? "", ...env },
        encoding: "utf8",
      });
    const ok = run({ ...PRODUCTION });
    assert.equal(ok.status, 0, ok.stderr);
    const printed = JSON.parse(ok.stdout) as Record<string, unknown>;
    assert.equal(printed.registryApiKey, "******** (set)");
    assert.equal(printed.databaseUrl, "postgres://hoviat:********@db.internal/hoviat");
    const bad = run({ SMS_PROVIDER: "pigeon" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /configuration error: SMS_PROVIDER/);
  });
});

describe("CONFIG_FILE", () => {
  test("settings come from the file beneath the environment, which wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "hoviat-config-"));
    try {
      const file = join(dir, "hoviat.env");
      writeFileSync(
        file,
        "# production settings\nSMS_PROVIDER=kavenegar\nKAVENEGAR_API_KEY=from-file\nPORT=8080\n",
      );
      const config = loadConfig(withConfigFile({ CONFIG_FILE: file, PORT: "9090" }));
      assert.deepEqual(config.smsProviders, ["kavenegar"]);
      assert.equal(config.kavenegarApiKey, "from-file");
      assert.equal(config.port, 9090);
      assert.throws(() => withConfigFile({ CONFIG_FILE: join(dir, "missing.env") }), /cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
