// Kavenegar (کاوه‌نگار) REST gateway. The API key sits in the URL path; parameters go form-encoded;
// every answer is `{ return: { status, message }, entries }` with the status repeated as the HTTP status.
// `localid` carries our message id, so a retried send is recognised by the gateway and not sent twice.

import { DeliveryFailed, type OutgoingSms, type SmsSender } from "../../ports/sms.ts";
import { httpCall, json, TransportError } from "../http-call.ts";

export type KavenegarOptions = {
  apiKey: string;
  /** The sender line (e.g. 10004346); the account's default line when absent. */
  sender?: string | undefined;
  /** Up to and including the version, e.g. https://api.kavenegar.com/v1 */
  baseUrl: string;
  /** A verify/lookup template: messages that carry a code go through it (faster OTP route, no sender line). */
  otpTemplate?: string | undefined;
  timeoutMs: number;
};

// 409 is Kavenegar's "server not ready, try later"; every other 4xx status (400–432: bad key, bad
// receptor, no credit, unknown template …) is a refusal that the same request cannot overcome.
const RETRYABLE_STATUSES = new Set([409]);

export class KavenegarSms implements SmsSender {
  readonly name = "kavenegar";
  private readonly options: KavenegarOptions;
  constructor(options: KavenegarOptions) {
    this.options = options;
  }

  async send(message: OutgoingSms): Promise<void> {
    const { options } = this;
    const viaTemplate = message.code !== undefined && options.otpTemplate !== undefined;
    const params: Record<string, string> = viaTemplate
      ? { receptor: message.to, token: message.code!, template: options.otpTemplate! }
      : {
          receptor: message.to,
          message: message.text,
          localid: message.id,
          ...(options.sender ? { sender: options.sender } : {}),
        };
    const path = viaTemplate ? "verify/lookup.json" : "sms/send.json";
    const url = `${options.baseUrl.replace(/\/$/, "")}/${encodeURIComponent(options.apiKey)}/${path}`;
    let answer: Awaited<ReturnType<typeof httpCall>>;
    try {
      answer = await httpCall(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: new URLSearchParams(params).toString(),
        timeoutMs: options.timeoutMs,
      });
    } catch (error) {
      if (error instanceof TransportError) throw new DeliveryFailed(`kavenegar: ${error.message}`, true);
      throw error;
    }
    const body = json(answer) as { return?: { status?: unknown; message?: unknown } } | undefined;
    const status = typeof body?.return?.status === "number" ? body.return.status : answer.status;
    if (status === 200) return;
    const reason = `kavenegar: ${status} ${String(body?.return?.message ?? "").slice(0, 200)}`.trim();
    const permanent = status >= 400 && status < 500 && !RETRYABLE_STATUSES.has(status);
    throw new DeliveryFailed(reason, !permanent);
  }
}
