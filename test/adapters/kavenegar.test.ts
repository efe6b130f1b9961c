import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { KavenegarSms } from "../../src/adapters/kavenegar/kavenegar.ts";
import { DeliveryFailed } from "../../src/ports/sms.ts";
import { smsContract } from "../contracts/sms-contract.ts";
import { fakeKavenegar } from "./fake-gateways.ts";

smsContract("kavenegar", async () => {
  const gateway = await fakeKavenegar();
  return {
    sender: new KavenegarSms({ apiKey: gateway.apiKey, baseUrl: gateway.baseUrl, timeoutMs: 2_000 }),
    delivered: gateway.delivered,
    breakWith: (mode) => gateway.setMode(mode),
    close: gateway.close,
  };
});

describe("kavenegar specifics", () => {
  let gateway: Awaited<ReturnType<typeof fakeKavenegar>>;
  const sms = (text = "سلام") => ({ id: crypto.randomUUID(), to: "09121234567", text });
  const adapter = (extra: Partial<ConstructorParameters<typeof KavenegarSms>[0]> = {}) =>
    new KavenegarSms({ apiKey: gateway.apiKey, baseUrl: gateway.baseUrl, timeoutMs: 2_000, ...extra });
  before(async () => {
    gateway = await fakeKavenegar();
  });
  after(() => gateway.close());

  test("the key goes in the path; receptor, message, sender and our id as localid in the form", async () => {
    const m = sms();
    await adapter({ sender: "10004346" }).send(m);
    const last = gateway.requests.at(-1)!;
    assert.equal(last.path, `/v1/${gateway.apiKey}/sms/send.json`);
    assert.deepEqual(last.params, { receptor: m.to, message: m.text, localid: m.id, sender: "10004346" });
  });

  test("a message that carries a code goes through the verify/lookup template", async () => {
    await adapter({ otpTemplate: "hoviat-code" }).send({ ...sms("کد شما: 482917"), code: "482917" });
    assert.deepEqual(gateway.lookups.at(-1), {
      receptor: "09121234567",
      token: "482917",
      template: "hoviat-code",
    });
    // Without a configured template the same message is plain text.
    const before = gateway.lookups.length;
    await adapter().send({ ...sms("کد شما: 111222"), code: "111222" });
    assert.equal(gateway.lookups.length, before);
  });

  test("a wrong API key (403) is permanent", async () => {
    await assert.rejects(
      adapter({ apiKey: "wrong" }).send(sms()),
      (e) => e instanceof DeliveryFailed && !e.retryable && /403/.test(e.message),
    );
  });

  test("409 (gateway busy) and a non-JSON 502 are retryable", async () => {
    for (const mode of ["busy", "unavailable"] as const) {
      gateway.setMode(mode);
      await assert.rejects(adapter().send(sms()), (e) => e instanceof DeliveryFailed && e.retryable);
    }
    gateway.setMode("healthy");
  });

  test("no answer within the timeout is retryable", async () => {
    gateway.setMode("hanging");
    try {
      await assert.rejects(
        adapter({ timeoutMs: 150 }).send(sms()),
        (e) => e instanceof DeliveryFailed && e.retryable && /no answer within 150 ms/.test(e.message),
      );
    } finally {
      gateway.setMode("healthy");
    }
  });

  test("a gateway that cannot be reached is retryable", async () => {
    const closed = await fakeKavenegar();
    await closed.close();
    await assert.rejects(
      new KavenegarSms({ apiKey: "k", baseUrl: closed.baseUrl, timeoutMs: 1_000 }).send(sms()),
      (e) => e instanceof DeliveryFailed && e.retryable && /ECONNREFUSED/.test(e.message),
    );
  });
});
