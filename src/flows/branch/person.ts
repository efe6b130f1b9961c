// What an operator sees of a person (R-BRANCH): every request of the ID with its real outcome (also
// those refused as duplicates: a stranger may have registered first) and which one the account came
// from, Jalali dates, the names (never the registry's values) of mismatched fields, the account's
// state, masked contacts, and what waits for the branch. No birth data, no email in clear, no answers.
import { formatJalaliDate, gregorianToJalali } from "../../domain/jalali-date.ts";
import { maskMobile } from "../../domain/mobile.ts";
import type { Db } from "../../platform/database.ts";

const jalali = (d: Date | null) => (d ? formatJalaliDate(gregorianToJalali(d)) : null);
const maskEmail = (email: string) => email.replace(/^(.).*@/, "$1***@");

export async function findPerson(db: Db, nationalId: string) {
  const requests = await db
    .selectFrom("registration_requests")
    .select(["id", "status", "mismatch_fields", "mobile", "created_at", "decided_at"])
    .where("national_id", "=", nationalId)
    .orderBy("created_at", "desc")
    .limit(50)
    .execute();
  const account = await db
    .selectFrom("accounts")
    .select([
      "id",
      "registration_request_id",
      "first_name",
      "last_name",
      "gender",
      "mobile",
      "email",
      "status",
      "created_at",
      "activated_at",
    ])
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
  const changes = account
    ? await db
        .selectFrom("account_changes")
        .select(["id", "new_value", "created_at"])
        .where("account_id", "=", account.id)
        .where("kind", "=", "mobile")
        .where("status", "=", "pending_branch")
        .orderBy("created_at", "desc")
        .execute()
    : [];
  const activation = account
    ? await db
        .selectFrom("branch_activations")
        .leftJoin("branches", "branches.id", "branch_activations.branch_id")
        .leftJoin("staff", "staff.id", "branch_activations.requested_by")
        .select([
          "branch_activations.id",
          "branch_activations.status",
          "new_mobile",
          "branches.code as branch_code",
          "staff.username as requested_by",
          "branch_activations.expires_at",
        ])
        .where("account_id", "=", account.id)
        .where("branch_activations.status", "in", ["pending_code", "pending_approval"])
        .orderBy("branch_activations.created_at", "desc")
        .executeTakeFirst()
    : undefined;
  return {
    nationalId,
    requests: requests.map((r) => ({
      id: r.id,
      // Staff see duplicates as such (decision 003 hides them from the public, not from the branch).
      // A request that waited for a branch shows what became of it, as tracking does: active.
      status:
        r.status === "awaiting_branch_activation" &&
        account?.registration_request_id === r.id &&
        account.status === "active"
          ? "active"
          : r.status,
      accountCameFromIt: account?.registration_request_id === r.id,
      mismatchFields: (r.mismatch_fields as string[] | null) ?? [],
      mobile: maskMobile(r.mobile),
      submittedOn: jalali(r.created_at),
      decidedOn: jalali(r.decided_at),
    })),
    account: account
      ? {
          name: `${account.first_name} ${account.last_name}`,
          gender: account.gender,
          status: account.status,
          mobile: maskMobile(account.mobile),
          email: account.email ? maskEmail(account.email) : null,
          createdOn: jalali(account.created_at),
          activatedOn: jalali(account.activated_at),
        }
      : null,
    pendingMobileChanges: changes.map((c) => ({
      id: c.id,
      mobile: maskMobile(c.new_value),
      requestedOn: jalali(c.created_at),
    })),
    pendingActivation: activation
      ? {
          id: activation.id,
          status: activation.status,
          // Where the desk code went: the corrected number, or the one on record.
          mobile: maskMobile(activation.new_mobile ?? account!.mobile),
          branch: activation.branch_code,
          requestedBy: activation.requested_by,
        }
      : null,
  };
}
