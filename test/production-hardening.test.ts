// Production settings of issue 10, part 10: HTTPS for SMS gateways, HSTS, SECRET_KEY as a rotation list.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pino from "pino";
import { ConfigError, loadConfig } from "../src/platform/config.ts";
import { maskedConfig } from "../src/platform/config-mask.ts";
import { createHttp } from "../src/platform/http.ts";

const KEY_A = "key-a-of-at-least-thirty-two-characters!";
const KEY_B = "key-b-of-at-least-thirty-two-characters!";
const PRODUCTION = {
  NODE_ENV: "production",
  DATABASE_URL: "postgres://hoviat:db-password@db.internal/hoviat",
  SECRET_KEY: KEY_A,
  PUBLIC_URL: "https://hoviat.example.ir",
  SMS_PROVIDER: "kavenegar,webhook",
  KAVENEGAR_API_KEY: "kavenegar-key-123",
  SMS_WEBHOOK_URL: "https://sms.internal/send",
  SMS_WEBHOOK_TOKEN: "webhook-token-456",
  EMAIL_PROVIDER: "smtp",
  SMTP_URL: "smtp://mailer:smtp-password@mail.internal:587",
  REGISTRY_PROVIDER: "http",
  REGISTRY_URL: "https://registry.internal/v1",
};

describe("production refuses clear-text SMS gateways", () => {
  test("the full configuration loads; an http:// Kavenegar base URL or webhook stops it", () => {
    assert.doesNotThrow(() => loadConfig(PRODUCTION));
    for (const [name, value] of [
      ["KAVENEGAR_BASE_URL", "http://api.kavenegar.com/v1"],
      ["SMS_WEBHOOK_URL", "http://sms.internal/send"],
    ] as const) {
      assert.throws(
        () => loadConfig({ ...PRODUCTION, [name]: value }),
        (e) => e instanceof ConfigError && e.message.includes(`${name} must be https://`),
      );
      // Development keeps plain HTTP for local fakes.
      assert.doesNotThrow(() => loadConfig({ ...PRODUCTION, NODE_ENV: "development", [name]: value }));
    }
  });
});

describe("SECRET_KEY is a rotation list", () => {
  test("the first key is current, the others follow; short or repeated keys are refused", () => {
    const config = loadConfig({ ...PRODUCTION, SECRET_KEY: ` ${KEY_B} , ${KEY_A}` });
    assert.equal(config.secretKey, KEY_B);
    assert.deepEqual(config.secretKeys, [KEY_B, KEY_A]);
    assert.throws(() => loadConfig({ SECRET_KEY: `${KEY_B},short` }), /at least 32 characters/);
    assert.throws(() => loadConfig({ SECRET_KEY: `${KEY_B},${KEY_B}` }), /twice/);
    const shown = JSON.stringify(maskedConfig(config));
    assert.ok(!shown.includes(KEY_A) && !shown.includes(KEY_B), "no key in the printed configuration");
  });
});

describe("HSTS", () => {
  test("Strict-Transport-Security when the site is HTTPS-only, not on plain development HTTP", async () => {
    for (const [hsts, expected] of [
      [true, "max-age=31536000; includeSubDomains"],
      [false, undefined],
    ] as const) {
      const app = createHttp(pino({ level: "silent" }), { trustProxy: false, hsts });
      app.get("/x", async () => ({ ok: true }));
      const res = await app.inject({ method: "GET", url: "/x" });
      assert.equal(res.headers["strict-transport-security"], expected);
      await app.close();
    }
    // The composition root turns it on with secure cookies, which production requires.
    assert.equal(loadConfig(PRODUCTION).cookieSecure, true);
  });
});
