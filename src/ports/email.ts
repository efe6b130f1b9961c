export type OutgoingEmail = {
  id: string;
  to: string;
  subject: string;
  text: string;
};

export interface EmailSender {
  readonly name: string;
  /** Throws DeliveryFailed (from ./sms.ts) when the message was not accepted. */
  send(message: OutgoingEmail): Promise<void>;
}
