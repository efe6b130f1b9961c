// Branch activation (R-BRANCH): the operator records that the original national card and birth
// certificate were seen, optionally corrects the mobile (proved by a code sent to it, on the spot),
// and, with BRANCH_FOUR_EYES, a second operator approves. Each step is audited; each change is told
// to the person by SMS.
import type { Transaction } from "kysely";
import { parseMobile } from "../../domain/mobile.ts";
import { t } from "../../messages/index.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { InvalidInput, Problem } from "../../platform/problems.ts";
import type { Database } from "../../platform/schema.ts";
import { recordEvent } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { cleanCode, hashCode, MAX_ATTEMPTS, newCode, sameHash } from "../recovery/secrets.ts";
import { type Client, recordAudit } from "../staff/audit.ts";
import type { StaffContext } from "../staff/sessions.ts";

export type BranchDeps = {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  secretKey: string;
  codeMinutes: number;
  fourEyes: boolean;
  scope: "branch" | "national";
};
type Trx = Transaction<Database>;
export type Body = Record<string, unknown>;

export const actor = (s: StaffContext) => ({
  id: s.id,
  username: s.username,
  role: s.role,
  branchId: s.branchId,
});

/** Both originals must have been seen: ticking one is not enough. */
export function requireDocuments(body: Body) {
  const errors = [];
  if (body.nationalCardSeen !== true)
    errors.push({ field: "nationalCardSeen", code: "branch.documents.required" });
  if (body.birthCertificateSeen !== true) {
    errors.push({ field: "birthCertificateSeen", code: "branch.documents.required" });
  }
  if (errors.length) throw new InvalidInput(errors);
}

export async function accountOf(db: Db | Trx, nationalId: string) {
  const account = await db
    .selectFrom("accounts")
    .select(["id", "national_id", "status", "mobile", "gender", "first_name", "last_name"])
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
  if (!account) throw new Problem(404, "branch.noAccount");
  return account;
}

export async function startActivation(
  deps: BranchDeps,
  staff: StaffContext,
  nationalId: string,
  body: Body,
  client: Client,
) {
  requireDocuments(body);
  const account = await accountOf(deps.db, nationalId);
  if (account.status !== "awaiting_branch_activation") throw new Problem(409, "branch.notAwaiting");
  let newMobile: string | null = null;
  if (typeof body.mobile === "string" && body.mobile.trim() !== "") {
    const parsed = parseMobile(body.mobile);
    if (!parsed.ok) throw new InvalidInput([{ field: "mobile", code: parsed.code }]);
    if (parsed.value !== account.mobile) newMobile = parsed.value;
  }
  const now = deps.clock.now();
  const id = crypto.randomUUID();
  const code = newMobile ? newCode() : null;
  const status = newMobile ? "pending_code" : deps.fourEyes ? "pending_approval" : "done";
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable("branch_activations")
      .set({ status: "dead", decided_at: now })
      .where("account_id", "=", account.id)
      .where("status", "in", ["pending_code", "pending_approval"])
      .execute();
    await trx
      .insertInto("branch_activations")
      .values({
        id,
        account_id: account.id,
        branch_id: staff.branchId!,
        requested_by: staff.id,
        new_mobile: newMobile,
        code_hash: code ? hashCode(deps.secretKey, id, code) : null,
        status: status === "done" ? "pending_approval" : status,
        expires_at: new Date(now.getTime() + (code ? deps.codeMinutes * 60_000 : 86_400_000)),
        created_at: now,
      })
      .execute();
    const details = { activationId: id, documentsSeen: true, mobileCorrected: Boolean(newMobile) };
    await recordAudit(
      trx,
      actor(staff),
      { action: "branch.activation.requested", targetNationalId: nationalId, details },
      client,
      now,
    );
    if (code && newMobile) {
      await queueMessage(
        trx,
        deps.jobs,
        {
          channel: "sms",
          to: newMobile,
          template: "branch.mobileCode",
          body: t("fa", "sms.branch.mobileCode", { code, minutes: deps.codeMinutes }),
          dedupeKey: `branch-activation:${id}:code`,
          code,
        },
        now,
      );
    }
    if (status === "done") await complete(deps, trx, staff, id, client);
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { activationId: id, status: status === "done" ? "activated" : status };
}

async function pendingActivation(
  deps: BranchDeps,
  staff: StaffContext,
  id: string,
  status: "pending_code" | "pending_approval",
) {
  const activation = /^[0-9a-f-]{36}$/i.test(id)
    ? await deps.db.selectFrom("branch_activations").selectAll().where("id", "=", id).executeTakeFirst()
    : undefined;
  if (!activation || activation.status !== status || activation.expires_at <= deps.clock.now()) {
    throw new Problem(404, "branch.noPendingActivation");
  }
  // Branch scope: what one branch began, only that branch finishes.
  if (deps.scope === "branch" && activation.branch_id !== staff.branchId)
    throw new Problem(403, "staff.otherBranch");
  const nationalId = await deps.db
    .selectFrom("accounts")
    .select("national_id")
    .where("id", "=", activation.account_id)
    .executeTakeFirstOrThrow();
  return { ...activation, nationalId: nationalId.national_id };
}

export async function verifyActivationCode(
  deps: BranchDeps,
  staff: StaffContext,
  id: string,
  body: Body,
  client: Client,
) {
  const activation = await pendingActivation(deps, staff, id, "pending_code");
  const code = cleanCode(body.code);
  if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  const now = deps.clock.now();
  const target = { targetNationalId: activation.nationalId };
  if (!sameHash(activation.code_hash, hashCode(deps.secretKey, activation.id, code))) {
    const row = await deps.db
      .updateTable("branch_activations")
      .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
      .where("id", "=", activation.id)
      .returning("attempts")
      .executeTakeFirstOrThrow();
    const dead = row.attempts >= MAX_ATTEMPTS;
    if (dead) {
      await deps.db
        .updateTable("branch_activations")
        .set({ status: "dead", decided_at: now })
        .where("id", "=", id)
        .execute();
    }
    await recordAudit(
      deps.db,
      actor(staff),
      { action: "branch.activation.code", result: "failed", ...target },
      client,
      now,
    );
    if (dead) throw new Problem(400, "branch.activationLocked");
    throw new Problem(400, "account.wrongCode", { attemptsLeft: MAX_ATTEMPTS - row.attempts });
  }
  const next = deps.fourEyes ? "pending_approval" : "done";
  await deps.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable("branch_activations")
      .set({ status: "pending_approval", expires_at: new Date(now.getTime() + 86_400_000) })
      .where("id", "=", id)
      .where("status", "=", "pending_code")
      .returning("id")
      .executeTakeFirst();
    if (!claimed) throw new Problem(404, "branch.noPendingActivation");
    await recordAudit(
      trx,
      actor(staff),
      { action: "branch.activation.codeVerified", ...target },
      client,
      now,
    );
    if (next === "done") await complete(deps, trx, staff, id, client);
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { activationId: id, status: next === "done" ? "activated" : next };
}

/** The second pair of eyes: another operator than the one who began the activation. */
export async function approveActivation(deps: BranchDeps, staff: StaffContext, id: string, client: Client) {
  const activation = await pendingActivation(deps, staff, id, "pending_approval");
  if (activation.requested_by === staff.id) throw new Problem(403, "staff.sameOperator");
  await deps.db.transaction().execute(async (trx) => {
    await complete(deps, trx, staff, id, client);
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { activationId: id, status: "activated" };
}

async function complete(deps: BranchDeps, trx: Trx, staff: StaffContext, id: string, client: Client) {
  const now = deps.clock.now();
  const activation = await trx
    .updateTable("branch_activations")
    .set({ status: "done", approved_by: staff.id, decided_at: now })
    .where("id", "=", id)
    .where("status", "=", "pending_approval")
    .returningAll()
    .executeTakeFirst();
  if (!activation) throw new Problem(404, "branch.noPendingActivation");
  const account = await trx
    .updateTable("accounts")
    .set({
      status: "active",
      activated_at: now,
      updated_at: now,
      ...(activation.new_mobile ? { mobile: activation.new_mobile } : {}),
    })
    .where("id", "=", activation.account_id)
    .where("status", "=", "awaiting_branch_activation")
    .returning(["id", "national_id", "mobile", "gender", "first_name", "last_name"])
    .executeTakeFirst();
  if (!account) throw new Problem(409, "branch.notAwaiting");
  const nationalId = account.national_id;
  await recordEvent(
    trx,
    { accountId: account.id, nationalId, type: "account.activatedByBranch" },
    client,
    now,
  );
  const details = {
    activationId: id,
    requestedBy: activation.requested_by,
    mobileCorrected: Boolean(activation.new_mobile),
  };
  await recordAudit(
    trx,
    actor(staff),
    { action: "branch.activation.completed", targetNationalId: nationalId, details },
    client,
    now,
  );
  const name = `${account.first_name} ${account.last_name}`;
  await queueMessage(
    trx,
    deps.jobs,
    {
      channel: "sms",
      to: account.mobile,
      template: "branch.activated",
      body: t("fa", "sms.branch.activated", { title: t("fa", `sms.title.${account.gender}`), name }),
      dedupeKey: `branch-activation:${id}:done`,
    },
    now,
  );
}
