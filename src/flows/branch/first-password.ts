// R-ABUSE: an account activated at a branch keeps nothing the registrant chose. The person sets the
// first password on their own phone with a code sent by SMS to the mobile proved at the desk. Every
// failure answers alike (known or unknown ID, wrong or spent code), so the page reveals no account.
import type { Transaction } from "kysely";
import { commonPasswords } from "../../domain/common-passwords.ts";
import { parseNationalId } from "../../domain/national-id.ts";
import { validatePasswordPair } from "../../domain/password-policy.ts";
import { t } from "../../messages/index.ts";
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
import { hashSecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import type { Database } from "../../platform/schema.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { newToken } from "../../platform/tokens.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { SEND_QUEUE } from "../courier/courier.ts";

/** PUBLIC_URL: the code SMS carries the address of the first-password page. */
export type SetupLink = { publicUrl: string };

export type FirstPasswordDeps = CodeSettings &
  SetupLink & {
    db: Db;
    jobs: Jobs;
    clock: Clock;
    rateLimits: boolean;
    throttles: ThrottleStore;
  };

/** New codes per national ID per hour (the first one, sent by the branch, counts too). */
export const FIRST_PASSWORD_CODES_PER_HOUR = 3;

/** No one knows this password: the account opens only once the person has set their own. */
export async function unusablePasswordHash(): Promise<string> {
  return hashSecret(newToken());
}

type Account = { id: string; mobile: string; gender: string; first_name: string; last_name: string };

/** Voids earlier codes and queues the SMS with a new one to the account's (desk-proved) mobile. */
export async function issuePasswordSetup(
  trx: Transaction<Database>,
  deps: CodeSettings & SetupLink,
  account: Account,
  now: Date,
  template: "branch.activated" | "branch.firstPasswordCode",
) {
  await issueCode(
    trx,
    deps,
    {
      table: "password_setups",
      purpose: "password-setup",
      row: { account_id: account.id },
      replaces: { account_id: account.id },
      message: {
        channel: "sms",
        to: account.mobile,
        template,
        text: `sms.${template}`,
        params: {
          title: t("fa", `sms.title.${account.gender}`),
          name: `${account.first_name} ${account.last_name}`,
          link: firstPasswordLink(deps.publicUrl),
        },
      },
    },
    now,
  );
}

export const firstPasswordLink = (publicUrl: string) => new URL("/first-password", publicUrl).href;

/** The account waiting for its first password: activated at a branch, no setup finished since. */
async function awaitingFirstPassword(db: Db, nationalId: string) {
  const account = await db
    .selectFrom("accounts")
    .select(["id", "mobile", "gender", "first_name", "last_name", "national_id", "status"])
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
  if (account?.status !== "active") return undefined;
  const latest = await db
    .selectFrom("password_setups")
    .select(["id", "status"])
    .where("account_id", "=", account.id)
    .orderBy("created_at", "desc")
    .limit(1)
    .executeTakeFirst();
  return latest && latest.status !== "done" ? account : undefined;
}

/** A new code on request: 202 whether or not the ID waits for a first password. */
export async function resendPasswordSetup(deps: FirstPasswordDeps, body: { nationalId?: unknown }) {
  const nationalId = parseNationalId(body.nationalId);
  if (!nationalId.ok) throw new InvalidInput([{ field: "nationalId", code: nationalId.code }]);
  const now = deps.clock.now();
  if (deps.rateLimits) {
    const key = `first-password:code:${nationalId.value}`;
    const { count, windowEndsAt } = await deps.throttles.hit(key, 3_600_000, now);
    if (count > FIRST_PASSWORD_CODES_PER_HOUR) {
      throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
    }
  }
  const account = await awaitingFirstPassword(deps.db, nationalId.value);
  if (!account) return;
  await deps.db.transaction().execute(async (trx) => {
    await issuePasswordSetup(trx, deps, account, now, "branch.firstPasswordCode");
  });
  deps.jobs.nudge(SEND_QUEUE);
}

const invalid = () => new Problem(400, "firstPassword.invalid");

export async function setFirstPassword(
  deps: FirstPasswordDeps,
  body: { nationalId?: unknown; code?: unknown; password?: unknown; passwordConfirmation?: unknown },
  client: Client,
) {
  const nationalId = parseNationalId(body.nationalId);
  const code = cleanCode(body.code);
  const errors = [
    ...(nationalId.ok ? [] : [{ field: "nationalId", code: nationalId.code }]),
    ...(code ? [] : [{ field: "code", code: "code.required" }]),
    // Common passwords and the national ID; names and dates would need the account, read only
    // after these checks so that the answer says nothing of whether it waits for a first password.
    ...validatePasswordPair(body.password, body.passwordConfirmation, {
      nationalId: nationalId.ok ? nationalId.value : undefined,
      blocklist: commonPasswords(),
    }),
  ];
  if (errors.length || !nationalId.ok) throw new InvalidInput(errors);
  const now = deps.clock.now();
  const account = await awaitingFirstPassword(deps.db, nationalId.value);
  const setup = account
    ? await deps.db
        .selectFrom("password_setups")
        .select("id")
        .where("account_id", "=", account.id)
        .where("status", "=", "pending")
        .orderBy("created_at", "desc")
        .executeTakeFirst()
    : undefined;
  if (!account || !setup) throw invalid();
  const where = { table: "password_setups", id: setup.id } as const;
  const guess = await tryCode(deps.db, deps, where, code, now);
  if (guess.outcome !== "right") throw invalid();
  const passwordHash = await hashSecret(body.password as string);
  await deps.db.transaction().execute(async (trx) => {
    if (!(await spendCode(trx, where, { status: "done" }))) throw invalid();
    await trx
      .updateTable("accounts")
      .set({ password_hash: passwordHash, updated_at: now })
      .where("id", "=", account.id)
      .execute();
    await recordEvent(
      trx,
      { accountId: account.id, nationalId: account.national_id, type: "password.setAfterBranch" },
      client,
      now,
    );
  });
}
