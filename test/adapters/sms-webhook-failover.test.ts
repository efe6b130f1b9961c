import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FailoverSms } from "../../src/adapters/failover-sms.ts";
import { KavenegarSms } from "../../src/adapters/kavenegar/kavenegar.ts";
import { WebhookSms } from "../../src/adapters/sms-webhook/sms-webhook.ts";
import { DeliveryFailed } from "../../src/ports/sms.ts";
import { smsContract } from "../contracts/sms-contract.ts";
import { fakeKavenegar, fakeWebhook } from "./fake-gateways.ts";

smsContract("webhook", async () => {
  const gateway = await fakeWebhook();
  return {
    sender: new WebhookSms({ url: gateway.url, token: gateway.token, timeoutMs: 2_000 }),
    delivered: gateway.delivered,
    breakWith: (mode) => gateway.setMode(mode),
    close: gateway.close,
  };
});

// The chain itself honours the contract: with both providers down, a refusal by both is permanent.
smsContract("failover kavenegar,webhook", async () => {
  const kavenegar = await fakeKavenegar();
  const webhook = await fakeWebhook();
  return {
    sender: new FailoverSms([
      new KavenegarSms({ apiKey: kavenegar.apiKey, baseUrl: kavenegar.baseUrl, timeoutMs: 2_000 }),
      new WebhookSms({ url: webhook.url, token: webhook.token, timeoutMs: 2_000 }),
    ]),
    delivered: async () => [...(await kavenegar.delivered()), ...(await webhook.delivered())],
    breakWith: (mode) => {
      kavenegar.setMode(mode);
      webhook.setMode(mode);
    },
    close: async () => {
      await kavenegar.close();
      await webhook.close();
    },
  };
});

describe("webhook specifics", () => {
  test("a wrong token (401) is permanent; 429 is retryable", async () => {
    const gateway = await fakeWebhook();
    try {
      const wrong = new WebhookSms({ url: gateway.url, token: "nope", timeoutMs: 2_000 });
      await assert.rejects(
        wrong.send({ id: "a", to: "09121234567", text: "x" }),
        (e) => e instanceof DeliveryFailed && !e.retryable,
      );
      gateway.setMode("busy");
      const right = new WebhookSms({ url: gateway.url, token: gateway.token, timeoutMs: 2_000 });
      await assert.rejects(
        right.send({ id: "b", to: "09121234567", text: "x" }),
        (e) => e instanceof DeliveryFailed && e.retryable,
      );
    } finally {
      await gateway.close();
    }
  });
});

describe("failover order", () => {
  let kavenegar: Awaited<ReturnType<typeof fakeKavenegar>>;
  let webhook: Awaited<ReturnType<typeof fakeWebhook>>;
  let chain: FailoverSms;
  const sms = () => ({ id: crypto.randomUUID(), to: "09351234567", text: "سرکار خانم زهرا کریمی" });
  before(async () => {
    kavenegar = await fakeKavenegar();
    webhook = await fakeWebhook();
    chain = new FailoverSms([
      new KavenegarSms({ apiKey: kavenegar.apiKey, baseUrl: kavenegar.baseUrl, timeoutMs: 150 }),
      new WebhookSms({ url: webhook.url, token: webhook.token, timeoutMs: 2_000 }),
    ]);
  });
  after(async () => {
    await kavenegar.close();
    await webhook.close();
  });

  test("the first provider takes the message while it works, and is named as the deliverer", async () => {
    const m = sms();
    await chain.send(m);
    assert.ok(kavenegar.sent.has(m.id));
    assert.equal(webhook.sent.size, 0);
    assert.equal(chain.name, "kavenegar");
  });

  for (const mode of ["refusing", "unavailable", "hanging"] as const) {
    test(`kavenegar ${mode}: the webhook takes the message`, async () => {
      kavenegar.setMode(mode);
      const m = sms();
      try {
        await chain.send(m);
      } finally {
        kavenegar.setMode("healthy");
      }
      assert.ok(webhook.sent.has(m.id));
      assert.equal(chain.name, "webhook");
    });
  }

  test("all down: retryable when any provider's failure was temporary, with every reason", async () => {
    kavenegar.setMode("refusing");
    webhook.setMode("unavailable");
    try {
      await assert.rejects(
        chain.send(sms()),
        (e) => e instanceof DeliveryFailed && e.retryable && /418/.test(e.message) && /503/.test(e.message),
      );
    } finally {
      kavenegar.setMode("healthy");
      webhook.setMode("healthy");
    }
  });
});
