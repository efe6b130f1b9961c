// A generic SMS gateway behind an HTTP webhook: POST `{ id, to, text }` as JSON with a bearer token;
// any 2xx means accepted. The receiver must treat `id` (also sent as Idempotency-Key) as idempotent.

import { DeliveryFailed, type OutgoingSms, type SmsSender } from "../../ports/sms.ts";
import { httpCall, TransportError } from "../http-call.ts";

export type SmsWebhookOptions = {
  url: string;
  token: string;
  timeoutMs: number;
  /** The provider's name in metrics and `messages.provider` (default `webhook`; a peer's `webhook-2`). */
  name?: string;
};

export class WebhookSms implements SmsSender {
  readonly name: string;
  private readonly options: SmsWebhookOptions;
  constructor(options: SmsWebhookOptions) {
    this.options = options;
    this.name = options.name ?? "webhook";
  }

  async send(message: OutgoingSms): Promise<void> {
    let status: number;
    try {
      const answer = await httpCall(this.options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${this.options.token}`,
          "idempotency-key": message.id,
        },
        body: JSON.stringify({ id: message.id, to: message.to, text: message.text }),
        timeoutMs: this.options.timeoutMs,
      });
      status = answer.status;
    } catch (error) {
      if (error instanceof TransportError) throw new DeliveryFailed(`webhook: ${error.message}`, true);
      throw error;
    }
    if (status >= 200 && status < 300) return;
    // 408 and 429 say "not now"; other 4xx say "never", whatever the number of tries.
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new DeliveryFailed(`webhook: HTTP ${status}`, !permanent);
  }
}
