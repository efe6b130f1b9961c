export type OutgoingSms = {
  /** Our message id: providers use it as an idempotency key, so a retried send is not a second SMS. */
  id: string;
  to: string;
  text: string;
  /** The one-time code inside `text`, when it carries one: gateways with an OTP template route send it there. */
  code?: string;
};

export interface SmsSender {
  readonly name: string;
  /** Resolves once the provider accepted the message; throws DeliveryFailed otherwise. */
  send(message: OutgoingSms): Promise<void>;
}

export class DeliveryFailed extends Error {
  override name = "DeliveryFailed";
  /** false for a refusal that a retry cannot fix (e.g. a 4xx from the gateway). */
  readonly retryable: boolean;
  constructor(message: string, retryable = true) {
    super(message);
    this.retryable = retryable;
  }
}
