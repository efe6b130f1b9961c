// oidc-provider's storage on our database: every model in one table (oidc_payloads), keyed by
// model + id, so PGlite and PostgreSQL run the same statements. Clients come from oidc_clients.
import Provider, { type Adapter, type AdapterPayload, errors } from "oidc-provider";
import type { Clock } from "../../platform/clock.ts";
import { type Db, prepared } from "../../platform/database.ts";
import type { AccountReads } from "./account-reads.ts";
import { findClientMetadata } from "./clients.ts";

export type AdapterDeps = {
  db: Db;
  clock: Clock;
  secretKeys: readonly string[];
  /** Given, the reads of codes and tokens also read their account for findAccount (account-reads.ts). */
  accounts?: AccountReads;
};

// The models whose read the provider follows with findAccount: the token endpoint's grants, userinfo.
const READ_WITH_ACCOUNT = new Set(["AuthorizationCode", "RefreshToken", "AccessToken"]);
// The models an ID token is made from later: they keep the level of their sign-in (account-reads.ts).
const KEEP_LEVEL = new Set(["AuthorizationCode", "RefreshToken"]);

/** The adapter class oidc-provider instantiates once per model name. */
export function databaseAdapter(deps: AdapterDeps) {
  return class DatabaseAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(deps.clock.now().getTime() + expiresIn * 1000) : null;
      // `aal` is ours: oidc-provider leaves fields it does not know out of the model it reads back.
      const aal = KEEP_LEVEL.has(this.model) ? deps.accounts?.levelOf(Provider.ctx) : undefined;
      const row = {
        payload: JSON.stringify(aal ? { ...payload, aal } : payload),
        grant_id: payload.grantId ?? null,
        user_code: payload.userCode ?? null,
        uid: payload.uid ?? null,
        account_id: this.model === "Session" ? (payload.accountId ?? null) : null,
        expires_at: expiresAt,
      };
      const upsert = deps.db
        .insertInto("oidc_payloads")
        .values({ model: this.model, id, ...row })
        .onConflict((oc) => oc.columns(["model", "id"]).doUpdateSet(row));
      await deps.db.executeQuery(prepared("oidc.upsert", upsert.compile()));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === "Client")
        return findClientMetadata(deps.db, id, deps.secretKeys, deps.clock.now()) as Promise<AdapterPayload>;
      if (deps.accounts && READ_WITH_ACCOUNT.has(this.model)) return this.findWithAccount(id, deps.accounts);
      return this.findBy("id", id);
    }

    findByUid(uid: string) {
      return this.findBy("uid", uid);
    }

    findByUserCode(userCode: string) {
      return this.findBy("user_code", userCode);
    }

    private async findBy(column: "id" | "uid" | "user_code", value: string) {
      const read = deps.db
        .selectFrom("oidc_payloads")
        .select(["payload", "consumed_at", "expires_at"])
        .where("model", "=", this.model)
        .where(column, "=", value);
      const [row] = (await deps.db.executeQuery(prepared(`oidc.findBy.${column}`, read.compile()))).rows;
      return row && this.live(row);
    }

    private async findWithAccount(id: string, accounts: AccountReads) {
      const read = deps.db
        .selectFrom("oidc_payloads")
        .select(["payload", "consumed_at", "expires_at", accounts.ofPayload().as("account")])
        .where("model", "=", this.model)
        .where("id", "=", id);
      const [row] = (await deps.db.executeQuery(prepared("oidc.findWithAccount", read.compile()))).rows;
      const payload = row && this.live(row);
      // The request that reads the token is the one whose findAccount follows (oidc-provider's context).
      const ctx = Provider.ctx;
      if (payload && ctx && typeof payload.accountId === "string")
        accounts.keep(ctx, payload.accountId, row.account);
      if (payload && ctx && (payload.aal === 1 || payload.aal === 2 || payload.aal === 3))
        accounts.setLevel(ctx, payload.aal);
      return payload;
    }

    private live(row: { payload: unknown; consumed_at: Date | null; expires_at: Date | null }) {
      if (row.expires_at && row.expires_at <= deps.clock.now()) return undefined;
      const payload = row.payload as AdapterPayload;
      // oidc-provider reads `consumed` to detect a second use of a code or a rotated refresh token.
      return row.consumed_at
        ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) }
        : payload;
    }

    // oidc-provider checks `consumed` after a read, then consumes: two parallel exchanges of one code
    // (or one refresh token) would both pass. Here only one update wins; the other revokes the family.
    async consume(id: string): Promise<void> {
      const consume = deps.db
        .updateTable("oidc_payloads")
        .set({ consumed_at: deps.clock.now() })
        .where("model", "=", this.model)
        .where("id", "=", id)
        .where("consumed_at", "is", null)
        .returning("id");
      const won = (await deps.db.executeQuery(prepared("oidc.consume", consume.compile()))).rows.length > 0;
      if (won) return;
      const row = await deps.db
        .selectFrom("oidc_payloads")
        .select("grant_id")
        .where("model", "=", this.model)
        .where("id", "=", id)
        .executeTakeFirst();
      if (row?.grant_id)
        await deps.db.deleteFrom("oidc_payloads").where("grant_id", "=", row.grant_id).execute();
      throw new errors.InvalidGrant(`${this.model} already used`);
    }

    async destroy(id: string): Promise<void> {
      await deps.db
        .deleteFrom("oidc_payloads")
        .where("model", "=", this.model)
        .where("id", "=", id)
        .execute();
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deps.db
        .deleteFrom("oidc_payloads")
        .where("model", "=", this.model)
        .where("grant_id", "=", grantId)
        .execute();
    }
  };
}

/** Forgets expired codes, tokens, sessions and interactions (called by the sweeper's timer). */
export async function purgeExpired(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom("oidc_payloads").where("expires_at", "<=", now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
