// Email over SMTP (nodemailer). Each message goes as text and as RTL Persian HTML made from that text.
// Our message id becomes the Message-ID, so a resent message is recognisable as the same one.
import nodemailer, { type Transporter } from "nodemailer";
import type { EmailSender, OutgoingEmail } from "../../ports/email.ts";
import { DeliveryFailed } from "../../ports/sms.ts";
import { emailHtml } from "./email-html.ts";

export type SmtpOptions = {
  /** smtp://user:pass@host:587 or smtps://…:465; nodemailer's URL syntax (e.g. ?tls.rejectUnauthorized=false). */
  url: string;
  from: string;
  timeoutMs: number;
  /**
   * smtp:// must upgrade with STARTTLS or fail (production sets it): without it nodemailer sends in clear
   * text whenever the server offers no STARTTLS, or an attacker strips the offer. smtps:// is TLS already.
   */
  requireTls?: boolean;
};

export class SmtpEmail implements EmailSender {
  readonly name = "smtp";
  private readonly transport: Transporter;
  private readonly domain: string;

  private readonly options: SmtpOptions;
  constructor(options: SmtpOptions) {
    this.options = options;
    this.transport = nodemailer.createTransport({
      url: options.url,
      requireTLS: Boolean(options.requireTls) && options.url.startsWith("smtp://"),
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    });
    this.domain = /@([^>\s]+)/.exec(options.from)?.[1] ?? "hoviat.local";
  }

  async send(message: OutgoingEmail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: message.to,
        subject: message.subject,
        messageId: `<${message.id}@${this.domain}>`,
        text: message.text,
        html: emailHtml(message.subject, message.text),
        // base64 keeps Persian text compact and 7-bit safe on every relay.
        textEncoding: "base64",
      });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx is the server's final "no" (unknown mailbox, refused sender); 4xx and lost connections pass.
      const permanent = code !== undefined && code >= 500 && code < 600;
      const reason = error instanceof Error ? error.message : String(error);
      throw new DeliveryFailed(`smtp: ${reason}`, !permanent);
    }
  }

  close(): void {
    this.transport.close();
  }
}
