export type OutgoingEmail = {
  id: string;
  to: string;
  subject: string;
  /** Plain text; adapters that send HTML render it from this text, so the two never differ. */
  text: string;
};

export interface EmailSender {
  readonly name: string;
  /** Throws DeliveryFailed (from ./sms.ts) when the message was not accepted. */
  send(message: OutgoingEmail): Promise<void>;
}
