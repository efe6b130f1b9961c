// One contract for every SmsSender (better-auth's shared adapter suite): the outbox, Kavenegar, the
// webhook and the failover chain all run it, so a fake cannot drift from a real provider.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DeliveryFailed, type OutgoingSms, type SmsSender } from "../../src/ports/sms.ts";

export type DeliveredSms = { id: string; to: string; text: string };

export type SmsHarness = {
  sender: SmsSender;
  /** What reached the provider's side, one entry per distinct message. */
  delivered(): Promise<DeliveredSms[]>;
  /** Makes the provider fail from now on: `unavailable` (a retry may help) or `refusing` (it will not). */
  breakWith?(mode: "unavailable" | "refusing" | "healthy"): void;
  close?(): Promise<void>;
};

const TEXT = "جناب آقای علی رضایی به سیستم های متمرکز سازمان تأمین اجتماعی خوش آمدید. کد: ۱۲۳۴۵۶";

export function smsContract(name: string, factory: () => Promise<SmsHarness>): void {
  describe(`SmsSender contract: ${name}`, () => {
    let h: SmsHarness;
    let n = 0;
    const message = (): OutgoingSms => ({
      id: crypto.randomUUID(),
      to: `0912000${String(++n).padStart(4, "0")}`,
      text: TEXT,
    });
    before(async () => {
      h = await factory();
    });
    after(async () => {
      await h.close?.();
    });

    test("has a name, which the courier records as the delivering provider", () => {
      assert.match(h.sender.name, /^[a-z][a-z0-9-]*$/);
    });

    test("an accepted message arrives once, to the right number, with its Persian text intact", async () => {
      const m = message();
      await h.sender.send(m);
      const arrived = (await h.delivered()).filter((d) => d.id === m.id);
      assert.deepEqual(arrived, [{ id: m.id, to: m.to, text: TEXT }]);
    });

    test("sending the same message id again is not a second SMS", async () => {
      const m = message();
      await h.sender.send(m);
      await h.sender.send(m);
      assert.equal((await h.delivered()).filter((d) => d.to === m.to).length, 1);
    });

    test("an unavailable provider is a retryable DeliveryFailed", async (t) => {
      if (!h.breakWith) return t.skip("this provider cannot fail");
      h.breakWith("unavailable");
      try {
        await assert.rejects(h.sender.send(message()), (e) => e instanceof DeliveryFailed && e.retryable);
      } finally {
        h.breakWith("healthy");
      }
    });

    test("a refusal is a permanent DeliveryFailed: no retry can fix it", async (t) => {
      if (!h.breakWith) return t.skip("this provider cannot fail");
      h.breakWith("refusing");
      try {
        await assert.rejects(h.sender.send(message()), (e) => e instanceof DeliveryFailed && !e.retryable);
      } finally {
        h.breakWith("healthy");
      }
    });
  });
}
