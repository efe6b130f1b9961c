// Administration (admins only): staff accounts, branches, locking citizens' accounts with a reason,
// and the figures an admin watches (registrations per status per day, queues, failed jobs, SMS failures).
import { sql } from "kysely";
import { formatJalaliDate, gregorianToJalali } from "../../domain/jalali-date.ts";
import { maskMobile } from "../../domain/mobile.ts";
import { t } from "../../messages/index.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { hashSecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem } from "../../platform/problems.ts";
import { recordEvent } from "../account/security-events.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
import { forgetRememberedBrowsers } from "../factors/remembered-browsers.ts";
import { endAccountSessions } from "../login/sessions.ts";
import { endSsoSessions } from "../oidc/logout.ts";
import { VERIFY_QUEUE } from "../registration/verification-job.ts";
import { type Actor, type Client, recordAudit } from "./audit.ts";
import { oneTimePassword } from "./service.ts";

type Body = Record<string, unknown>;
const jalali = (d: Date) => formatJalaliDate(gregorianToJalali(d));

export async function listStaff(db: Db) {
  const rows = await db
    .selectFrom("staff")
    .leftJoin("branches", "branches.id", "staff.branch_id")
    .select([
      "staff.id",
      "username",
      "staff.name",
      "role",
      "status",
      "branches.code as branch",
      "totp_enrolled_at",
    ])
    .orderBy("username")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    username: r.username,
    name: r.name,
    role: r.role,
    status: r.status,
    branch: r.branch,
    totpEnrolled: r.totp_enrolled_at !== null,
  }));
}

async function staffById(db: Db, id: string) {
  const staff = /^[0-9a-f-]{36}$/i.test(id)
    ? await db.selectFrom("staff").select(["id", "username"]).where("id", "=", id).executeTakeFirst()
    : undefined;
  if (!staff) throw new Problem(404, "staff.notFound");
  return staff;
}

export type StaffChange = "lock" | "unlock" | "resetTotp";

/** Locking ends every session at once; a TOTP reset makes the next sign-in enrol a new authenticator. */
export async function changeStaff(
  db: Db,
  actor: Actor,
  id: string,
  change: StaffChange,
  client: Client,
  now: Date,
) {
  const target = await staffById(db, id);
  if (change !== "unlock" && target.id === actor?.id) throw new Problem(409, "staff.notSelf");
  await db.transaction().execute(async (trx) => {
    const set =
      change === "resetTotp"
        ? { totp_secret: null, totp_enrolled_at: null, totp_last_step: null, updated_at: now }
        : { status: change === "lock" ? ("locked" as const) : ("active" as const), updated_at: now };
    await trx.updateTable("staff").set(set).where("id", "=", id).execute();
    if (change !== "unlock") {
      await trx
        .updateTable("staff_sessions")
        .set({ revoked_at: now })
        .where("staff_id", "=", id)
        .where("revoked_at", "is", null)
        .execute();
    }
    const action = {
      lock: "admin.staff.locked",
      unlock: "admin.staff.unlocked",
      resetTotp: "admin.staff.totpReset",
    }[change];
    await recordAudit(trx, actor, { action, details: { username: target.username } }, client, now);
  });
  return target;
}

/**
 * A new one-time password for a member who lost theirs: shown once to the admin who hands it over,
 * stored only hashed, to be changed at the next sign-in; every session of the member ends.
 */
export async function resetStaffPassword(db: Db, actor: Actor, id: string, client: Client, now: Date) {
  const target = await staffById(db, id);
  if (target.id === actor?.id) throw new Problem(409, "staff.notSelf");
  const password = oneTimePassword();
  const hash = await hashSecret(password);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("staff")
      .set({ password_hash: hash, password_must_change: true, updated_at: now })
      .where("id", "=", id)
      .execute();
    await trx
      .updateTable("staff_sessions")
      .set({ revoked_at: now })
      .where("staff_id", "=", id)
      .where("revoked_at", "is", null)
      .execute();
    const details = { username: target.username };
    await recordAudit(trx, actor, { action: "admin.staff.passwordReset", details }, client, now);
  });
  return { id: target.id, username: target.username, password };
}

export async function listBranches(db: Db) {
  return db.selectFrom("branches").select(["id", "code", "name"]).orderBy("code").execute();
}

export async function createBranch(db: Db, actor: Actor, body: Body, client: Client, now: Date) {
  const code = typeof body.code === "string" ? body.code.trim() : "";
  const name = typeof body.name === "string" ? body.name.trim() : "";
  const errors = [];
  if (!/^[A-Za-z0-9-]{2,20}$/.test(code)) errors.push({ field: "code", code: "branch.code.format" });
  if (name.length < 2 || name.length > 100) errors.push({ field: "name", code: "branch.name.required" });
  if (errors.length) throw new InvalidInput(errors);
  const id = crypto.randomUUID();
  await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("branches")
      .values({ id, code, name, created_at: now })
      .onConflict((c) => c.column("code").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) throw new InvalidInput([{ field: "code", code: "branch.code.taken" }]);
    await recordAudit(trx, actor, { action: "admin.branch.created", details: { code, name } }, client, now);
  });
  return { id, code, name };
}

/** A locked citizen cannot sign in and loses every session; unlocking restores the state before. */
export async function setCitizenLock(
  db: Db,
  jobs: Jobs,
  actor: Actor,
  nationalId: string,
  locked: boolean,
  body: Body,
  client: Client,
  now: Date,
) {
  const reason = typeof body.reason === "string" ? body.reason.trim() : "";
  if (reason.length < 3 || reason.length > 500)
    throw new InvalidInput([{ field: "reason", code: "staff.reason.required" }]);
  const account = await db
    .selectFrom("accounts")
    .select(["id", "status", "activated_at", "mobile"])
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
  if (!account) throw new Problem(404, "branch.noAccount");
  if ((account.status === "locked") === locked)
    throw new Problem(409, locked ? "staff.alreadyLocked" : "staff.notLocked");
  const status = locked ? "locked" : account.activated_at ? "active" : "awaiting_branch_activation";
  await db.transaction().execute(async (trx) => {
    await trx.updateTable("accounts").set({ status, updated_at: now }).where("id", "=", account.id).execute();
    if (locked) {
      await endAccountSessions(trx, { id: account.id, nationalId }, now, {
        type: "sessions.endedByStaff",
        client,
      });
      await forgetRememberedBrowsers(trx, account.id, now);
    }
    const type = locked ? "account.locked" : "account.unlocked";
    await recordEvent(trx, { accountId: account.id, nationalId, type }, client, now);
    const action = locked ? "admin.citizen.locked" : "admin.citizen.unlocked";
    await recordAudit(
      trx,
      actor,
      { action, targetNationalId: nationalId, details: { reason, status } },
      client,
      now,
    );
    const template = locked ? "account.locked" : "account.unlocked";
    await queueMessage(
      trx,
      jobs,
      {
        channel: "sms",
        to: account.mobile,
        template,
        body: t("fa", `sms.${template}`),
        dedupeKey: `${action}:${crypto.randomUUID()}`,
      },
      now,
    );
  });
  jobs.nudge(SEND_QUEUE);
  if (locked) await endSsoSessions(db, account.id, { everything: true });
  return { status };
}

/** Tehran has kept +03:30 all year since 2022, so a fixed offset gives its calendar day. */
export async function adminStats(db: Db, jobs: Jobs, now: Date) {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const perDay = await sql<{ day: string; status: string; count: number }>`
    select to_char((created_at at time zone 'UTC') + interval '3 hours 30 minutes', 'YYYY-MM-DD') as day,
      case when status = 'duplicate' then 'pending' else status end as status, count(*)::int as count
    from registration_requests where created_at >= ${since}
    group by 1, 2 order by 1 desc, 2`.execute(db);
  const failed = await sql<{ name: string; count: number }>`
    select name, count(*)::int as count from pgboss.job where state = 'failed' group by name order by name`.execute(
    db,
  );
  const sms = await db
    .selectFrom("messages")
    .select(["id", "recipient", "template", "status", "attempts", "last_error", "created_at"])
    .where("channel", "=", "sms")
    .where((eb) => eb.or([eb("status", "=", "abandoned"), eb("attempts", ">", 1)]))
    .orderBy("created_at", "desc")
    .limit(50)
    .execute();
  return {
    registrationsPerDay: perDay.rows.map((r) => ({
      day: formatJalaliDate(gregorianToJalali(new Date(`${r.day}T00:00:00Z`), "UTC")),
      status: r.status,
      count: r.count,
    })),
    queues: {
      verification: await jobs.boss.getQueueSize(VERIFY_QUEUE),
      sms: await jobs.boss.getQueueSize(SEND_QUEUE),
    },
    failedJobs: failed.rows,
    smsFailures: sms.map((m) => ({
      id: m.id,
      to: maskMobile(m.recipient),
      template: m.template,
      status: m.status,
      attempts: m.attempts,
      lastError: m.last_error,
      createdOn: jalali(m.created_at),
    })),
  };
}
