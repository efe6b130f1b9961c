// The account behind a code or token, as oidc-provider's findAccount asks for it. The token endpoint
// asks on every grant, right after it has read the code or refresh token: the adapter reads the
// account in that same statement and leaves it here, so a grant costs no round trip of its own for it.
//
// The authentication level (`aal` in ID tokens) travels the same way. oidc-provider carries acr, amr
// and auth_time from the session to the code and its refresh tokens, but nothing else, and amr alone
// does not tell the level (a remembered browser makes a password sign-in level 2). So the authorization
// request leaves the level of the Hoviat session it checked here (setLevel), the adapter writes it
// beside the payload of the code and of every refresh token made from it, and reads it back with them.
import { sql } from "kysely";
import { jsonObjectFrom } from "kysely/helpers/postgres";
import type { Account, KoaContextWithOIDC } from "oidc-provider";
import { AAL_NAMES, type Aal, levelOf } from "../../domain/authentication-level.ts";
import type { Db } from "../../platform/database.ts";
import { accountClaims } from "./claims.ts";

/** The account's status and what its claims are made from, in one statement or a subquery of one. */
function accountRead(db: Db) {
  return db.selectFrom("accounts").select([
    "accounts.status",
    "accounts.national_id",
    "accounts.first_name",
    "accounts.last_name",
    "accounts.gender",
    "accounts.birth_date",
    "accounts.mobile",
    "accounts.email",
    // Set when a code sent to the mailbox came back (its confirmation or a confirmed change), cleared
    // when the email is set without one: so it speaks of the email the account has now.
    sql<boolean>`accounts.email is not null and accounts.email_confirmed_at is not null`.as("email_verified"),
  ]);
}
type AccountRow = NonNullable<Awaited<ReturnType<ReturnType<typeof accountRead>["executeTakeFirst"]>>>;

// The id an oidc_payloads row names, as a uuid, or null when it is none (never a cast error).
const payloadAccountId = sql<string>`case when oidc_payloads.payload->>'accountId' ~ ${sql.lit(
  "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
)} then (oidc_payloads.payload->>'accountId')::uuid end`;

export type AccountReads = ReturnType<typeof accountReads>;

export function accountReads(db: Db) {
  // Per request (oidc-provider's context), read once: a second findAccount in it reads afresh.
  const ahead = new WeakMap<object, { accountId: string; row: AccountRow | null }>();
  // Per request: the level of the sign-in behind the code or token made or read in it.
  const levels = new WeakMap<object, Aal>();
  return {
    /** The account of the oidc_payloads row being read, as one JSON column (null if there is none). */
    ofPayload: () => jsonObjectFrom(accountRead(db).where("accounts.id", "=", payloadAccountId)),

    keep(ctx: object, accountId: string, row: AccountRow | null) {
      ahead.set(ctx, { accountId, row });
    },

    /** The level of the sign-in this request authorizes (or whose code or token it read). */
    setLevel(ctx: object, aal: Aal) {
      levels.set(ctx, aal);
    },

    levelOf(ctx: object | undefined): Aal | undefined {
      return ctx ? levels.get(ctx) : undefined;
    },

    findAccount: async (
      ctx: KoaContextWithOIDC,
      accountId: string,
      token?: object,
    ): Promise<Account | undefined> => {
      // A code or token stored before levels were kept: what its amr alone proves, never more.
      const amr = (token as { amr?: unknown } | undefined)?.amr;
      const aal = levels.get(ctx) ?? levelOf(Array.isArray(amr) ? amr : []);
      const kept = ahead.get(ctx);
      ahead.delete(ctx);
      const account =
        kept?.accountId === accountId
          ? kept.row
          : await accountRead(db).where("accounts.id", "=", accountId).executeTakeFirst();
      // A locked account (or one sent back to a branch) answers no userinfo and gets or refreshes no token.
      if (account?.status !== "active") return undefined;
      return {
        accountId,
        claims: async (use: string) => ({
          ...accountClaims(accountId, account),
          ...(use === "id_token" ? { aal: AAL_NAMES[aal] } : {}),
        }),
      };
    },
  };
}
