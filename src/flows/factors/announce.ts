// Every change of a holder's factors (R-MFA) is told twice, in the change's own transaction: a
// security event on the account page and an SMS to the account's mobile, so that a change made by
// someone else is seen at once.
import type { Transaction } from "kysely";
import { t } from "../../messages/index.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type { Database } from "../../platform/schema.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { queueMessage } from "../courier/courier.ts";

export type Holder = { id: string; national_id: string; mobile: string };

/**
 * The security event `event` and the SMS whose text is `sms.<message>`. The caller nudges the
 * courier once its transaction committed.
 */
export async function announceFactorChange(
  trx: Transaction<Database>,
  jobs: Jobs,
  holder: Holder,
  change: { event: string; message: string },
  client: Client,
  now: Date,
) {
  await recordEvent(
    trx,
    { accountId: holder.id, nationalId: holder.national_id, type: change.event },
    client,
    now,
  );
  await queueMessage(
    trx,
    jobs,
    {
      channel: "sms",
      to: holder.mobile,
      template: change.message,
      body: t("fa", `sms.${change.message}`),
      dedupeKey: `factors:${holder.id}:${change.event}:${crypto.randomUUID()}`,
    },
    now,
  );
}
