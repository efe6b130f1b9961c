// The hold on contact changes after a password reset by security questions alone (issue 10): for
// CONTACT_HOLD_HOURS the mobile and email stay where the real holder would hear of the reset.
import { formatJalaliDateTime } from "../../domain/jalali-date.ts";
import type { Locale } from "../../messages/index.ts";
import { Problem } from "../../platform/problems.ts";

export class ContactHold extends Problem {
  readonly until: Date;
  constructor(until: Date) {
    super(403, "account.contactHold", { until: until.toISOString() });
    this.until = until;
  }

  override titleParams(locale: Locale) {
    return { until: formatJalaliDateTime(this.until, locale) };
  }
}

export function refuseDuringHold(account: { contact_hold_until: Date | null }, now: Date): void {
  if (account.contact_hold_until && account.contact_hold_until > now) {
    throw new ContactHold(account.contact_hold_until);
  }
}
