// SMS_PROVIDER=kavenegar,webhook: the providers are tried in that order for each message. A refusal by
// one (no credit, a bad key, an outage) is no reason to leave the citizen without the SMS.
import { DeliveryFailed, type OutgoingSms, type SmsSender } from "../ports/sms.ts";

export class FailoverSms implements SmsSender {
  private delivered: string;
  private readonly providers: SmsSender[];
  constructor(providers: SmsSender[]) {
    this.providers = providers;
    if (providers.length === 0) throw new Error("FailoverSms needs at least one provider");
    this.delivered = providers[0]!.name;
  }

  /**
   * The provider that accepted the latest message. The courier reads it right after `send` resolves,
   * before any other I/O callback can run, so it names the provider of that very message.
   */
  get name(): string {
    return this.delivered;
  }

  async send(message: OutgoingSms): Promise<void> {
    const failures: DeliveryFailed[] = [];
    for (const provider of this.providers) {
      try {
        await provider.send(message);
        this.delivered = provider.name;
        return;
      } catch (error) {
        if (!(error instanceof DeliveryFailed)) throw error;
        failures.push(error);
      }
    }
    // Worth another round later if any provider's refusal was only temporary.
    throw new DeliveryFailed(
      failures.map((f) => f.message).join("; "),
      failures.some((f) => f.retryable),
    );
  }
}
