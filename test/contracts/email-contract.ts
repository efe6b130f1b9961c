// One contract for every EmailSender: the outbox and SMTP run it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { EmailSender, OutgoingEmail } from "../../src/ports/email.ts";
import { DeliveryFailed } from "../../src/ports/sms.ts";

export type DeliveredEmail = { id: string; to: string; subject: string; text: string };

export type EmailHarness = {
  sender: EmailSender;
  delivered(): Promise<DeliveredEmail[]>;
  /** A recipient the server refuses for good (an unknown mailbox), when the provider has one. */
  refusedRecipient?: string;
  close?(): Promise<void>;
};

export function emailContract(name: string, factory: () => Promise<EmailHarness>): void {
  describe(`EmailSender contract: ${name}`, () => {
    let h: EmailHarness;
    before(async () => {
      h = await factory();
    });
    after(async () => {
      await h.close?.();
    });
    const email = (to: string): OutgoingEmail => ({
      id: crypto.randomUUID(),
      to,
      subject: "کد تأیید نشانی رایانامه",
      text: "کد تأیید شما: ۴۸۲۹۱۷\n\nاین کد تا ۵ دقیقه اعتبار دارد.",
    });

    test("has a name", () => {
      assert.match(h.sender.name, /^[a-z][a-z0-9-]*$/);
    });

    test("an accepted email arrives with its recipient, Persian subject and text intact", async () => {
      const m = email("zahra.karimi@example.com");
      await h.sender.send(m);
      const arrived = (await h.delivered()).filter((d) => d.id === m.id);
      assert.deepEqual(arrived, [{ id: m.id, to: m.to, subject: m.subject, text: m.text }]);
    });

    test("an unknown mailbox is a permanent DeliveryFailed", async (t) => {
      if (!h.refusedRecipient) return t.skip("this provider refuses no recipient");
      await assert.rejects(
        h.sender.send(email(h.refusedRecipient)),
        (e) => e instanceof DeliveryFailed && !e.retryable,
      );
    });
  });
}
