// A mobile change waiting for the branch (account_changes.status = pending_branch): the person proved
// the number by code already; the branch adds that the originals were seen, then it is applied.
import { maskMobile } from "../../domain/mobile.ts";
import { t } from "../../messages/index.ts";
import { Problem } from "../../platform/problems.ts";
import { recordEvent } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { forgetRememberedBrowsers } from "../factors/remembered-browsers.ts";
import { type Client, recordAudit } from "../staff/audit.ts";
import type { StaffContext } from "../staff/sessions.ts";
import { accountOf, actor, type Body, type BranchDeps, requireDocuments } from "./service.ts";

/** A new mobile the person proved by code, but which the ownership registry does not tie to them. */
export async function approveMobileChange(
  deps: BranchDeps,
  staff: StaffContext,
  nationalId: string,
  changeId: string,
  body: Body,
  client: Client,
) {
  requireDocuments(body);
  const account = await accountOf(deps.db, nationalId);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    const change = /^[0-9a-f-]{36}$/i.test(changeId)
      ? await trx
          .updateTable("account_changes")
          .set({ status: "applied", decided_at: now })
          .where("id", "=", changeId)
          .where("account_id", "=", account.id)
          .where("kind", "=", "mobile")
          .where("status", "=", "pending_branch")
          .returning("new_value")
          .executeTakeFirst()
      : undefined;
    if (!change) throw new Problem(404, "branch.noPendingChange");
    await trx
      .updateTable("accounts")
      .set({ mobile: change.new_value, updated_at: now })
      .where("id", "=", account.id)
      .execute();
    await forgetRememberedBrowsers(trx, account.id, now);
    await recordEvent(
      trx,
      { accountId: account.id, nationalId, type: "mobile.changedByBranch" },
      client,
      now,
    );
    const details = { changeId, documentsSeen: true };
    await recordAudit(
      trx,
      actor(staff),
      { action: "branch.mobileChange.approved", targetNationalId: nationalId, details },
      client,
      now,
    );
    const text = t("fa", "sms.branch.mobileChanged", { mobile: maskMobile(change.new_value) });
    for (const [to, key] of [
      [change.new_value, "new"],
      [account.mobile, "old"],
    ] as const) {
      await queueMessage(
        trx,
        deps.jobs,
        {
          channel: "sms",
          to,
          template: "branch.mobileChanged",
          body: text,
          dedupeKey: `change:${changeId}:branch:${key}`,
        },
        now,
      );
    }
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { status: "applied" };
}
