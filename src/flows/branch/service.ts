// Branch activation (R-BRANCH, R-ABUSE): the operator records that the original national card and
// birth certificate were seen, and the person proves on the spot, by a code sent to it, the mobile
// they hold (the one on record or a corrected one); with BRANCH_FOUR_EYES a second operator approves.
// The activated account keeps nothing the registrant chose: no password, answers or email; the
// person sets the password with a code sent to the desk-proved mobile (first-password.ts).
import type { Transaction } from "kysely";
import { maskMobile, parseMobile } from "../../domain/mobile.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import {
  type CodeSettings,
  cleanCode,
  issueCode,
  spendCode,
  tryCode,
} from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem } from "../../platform/problems.ts";
import type { Database } from "../../platform/schema.ts";
import { recordEvent } from "../account/security-events.ts";
import { SEND_QUEUE } from "../courier/courier.ts";
import { forgetRememberedBrowsers } from "../factors/remembered-browsers.ts";
import { type Client, recordAudit } from "../staff/audit.ts";
import type { StaffContext } from "../staff/sessions.ts";
import { issuePasswordSetup, type SetupLink, unusablePasswordHash } from "./first-password.ts";

export type BranchDeps = CodeSettings &
  SetupLink & {
    db: Db;
    jobs: Jobs;
    clock: Clock;
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
  const now = deps.clock.now();
  // Branch scope from the start: starting anew would void what another branch has begun.
  if (deps.scope === "branch") {
    const elsewhere = await deps.db
      .selectFrom("branch_activations")
      .select("id")
      .where("account_id", "=", account.id)
      .where("status", "in", ["pending_code", "pending_approval"])
      .where("expires_at", ">", now)
      .where("branch_id", "!=", staff.branchId!)
      .executeTakeFirst();
    if (elsewhere) throw new Problem(403, "branch.activationElsewhere");
  }
  let newMobile: string | null = null;
  if (typeof body.mobile === "string" && body.mobile.trim() !== "") {
    const parsed = parseMobile(body.mobile);
    if (!parsed.ok) throw new InvalidInput([{ field: "mobile", code: parsed.code }]);
    if (parsed.value !== account.mobile) newMobile = parsed.value;
  }
  // Always a code: the mobile on record may be a stranger's, proved by them at registration.
  const codeTo = newMobile ?? account.mobile;
  const status = "pending_code";
  const id = await deps.db.transaction().execute(async (trx) => {
    const { id } = await issueCode(
      trx,
      deps,
      {
        table: "branch_activations",
        purpose: "branch-activation",
        row: {
          account_id: account.id,
          branch_id: staff.branchId!,
          requested_by: staff.id,
          new_mobile: newMobile,
        },
        replaces: { account_id: account.id },
        message: { channel: "sms", to: codeTo, template: "branch.mobileCode", text: "sms.branch.mobileCode" },
      },
      now,
    );
    const details = { activationId: id, documentsSeen: true, mobileCorrected: Boolean(newMobile) };
    await recordAudit(
      trx,
      actor(staff),
      { action: "branch.activation.requested", targetNationalId: nationalId, details },
      client,
      now,
    );
    return id;
  });
  deps.jobs.nudge(SEND_QUEUE);
  return { activationId: id, status, mobile: maskMobile(codeTo) };
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
  // A code whose tries are spent says so to every later guess, not only to the one that spent them.
  const locked = status === "pending_code" && activation?.status === "dead";
  if (!activation || (activation.status !== status && !locked) || activation.expires_at <= deps.clock.now()) {
    throw new Problem(404, "branch.noPendingActivation");
  }
  // Branch scope: what one branch began, only that branch finishes.
  if (deps.scope === "branch" && activation.branch_id !== staff.branchId)
    throw new Problem(403, "staff.otherBranch");
  if (locked) throw new Problem(400, "branch.activationLocked");
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
  const where = { table: "branch_activations", id: activation.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome !== "right") {
    const dead = guess.outcome === "spent";
    await recordAudit(
      deps.db,
      actor(staff),
      { action: "branch.activation.code", result: "failed", ...target },
      client,
      now,
    );
    if (dead) throw new Problem(400, "branch.activationLocked");
    throw new Problem(400, "account.wrongCode", { attemptsLeft: guess.attemptsLeft });
  }
  const next = deps.fourEyes ? "pending_approval" : "done";
  await deps.db.transaction().execute(async (trx) => {
    const spent = await spendCode(trx, where, {
      status: "pending_approval",
      expires_at: new Date(now.getTime() + 86_400_000),
    });
    if (!spent) throw new Problem(404, "branch.noPendingActivation");
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
  // What the registrant chose is dropped: whoever registered may not be the person at the desk.
  const account = await trx
    .updateTable("accounts")
    .set({
      status: "active",
      activated_at: now,
      updated_at: now,
      password_hash: await unusablePasswordHash(),
      email: null,
      email_confirmed_at: null,
      ...(activation.new_mobile ? { mobile: activation.new_mobile } : {}),
    })
    .where("id", "=", activation.account_id)
    .where("status", "=", "awaiting_branch_activation")
    .returning(["id", "national_id", "mobile", "gender", "first_name", "last_name"])
    .executeTakeFirst();
  if (!account) throw new Problem(409, "branch.notAwaiting");
  await trx.deleteFrom("security_answers").where("account_id", "=", account.id).execute();
  await forgetRememberedBrowsers(trx, account.id, now);
  await trx
    .updateTable("sessions")
    .set({ revoked_at: now })
    .where("account_id", "=", account.id)
    .where("revoked_at", "is", null)
    .execute();
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
  await issuePasswordSetup(trx, deps, account, now, "branch.activated");
}
