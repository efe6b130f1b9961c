// Consent remembered per account, e-service and scope (oidc_consents), the list of e-services on
// the account pages, and «قطع دسترسی»: consent, grants and every token of that e-service gone.
import { sql } from "kysely";
import type { Db } from "../../platform/database.ts";
import { type Client, recordEvent } from "../account/security-events.ts";
import { clientNames } from "./clients.ts";

/** The scopes consented before, when they cover nothing less than asked; touches last use. */
export async function rememberedScopes(db: Db, accountId: string, clientId: string, now: Date) {
  const row = await db
    .selectFrom("oidc_consents")
    .select("scopes")
    .where("account_id", "=", accountId)
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  if (!row) return undefined;
  await db
    .updateTable("oidc_consents")
    .set({ last_used_at: now })
    .where("account_id", "=", accountId)
    .where("client_id", "=", clientId)
    .execute();
  return row.scopes as string[];
}

export async function rememberConsent(
  db: Db,
  consent: { accountId: string; nationalId: string; clientId: string; scopes: string[] },
  client: Client,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("oidc_consents")
      .select("scopes")
      .where("account_id", "=", consent.accountId)
      .where("client_id", "=", consent.clientId)
      .executeTakeFirst();
    const scopes = JSON.stringify([...new Set([...((before?.scopes as string[]) ?? []), ...consent.scopes])]);
    await trx
      .insertInto("oidc_consents")
      .values({
        account_id: consent.accountId,
        client_id: consent.clientId,
        scopes,
        granted_at: now,
        last_used_at: now,
      })
      .onConflict((oc) => oc.columns(["account_id", "client_id"]).doUpdateSet({ scopes, last_used_at: now }))
      .execute();
    await recordEvent(
      trx,
      { accountId: consent.accountId, nationalId: consent.nationalId, type: "sso.granted" },
      client,
      now,
    );
  });
}

/** The e-services the holder signed in to, newest use first, with what each may learn. */
export async function listEservices(db: Db, accountId: string) {
  const rows = await db
    .selectFrom("oidc_consents")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("last_used_at", "desc")
    .execute();
  const names = await clientNames(
    db,
    rows.map((r) => r.client_id),
  );
  return rows.map((r) => ({
    clientId: r.client_id,
    name: names.get(r.client_id) ?? r.client_id,
    scopes: r.scopes as string[],
    grantedAt: r.granted_at.toISOString(),
    lastUsedAt: r.last_used_at.toISOString(),
  }));
}

/** Deletes the grants of an account (all, or of one e-service) and every code and token issued under them. */
export async function revokeGrants(db: Db, accountId: string, clientId?: string): Promise<void> {
  let grants = db
    .selectFrom("oidc_payloads")
    .select("id")
    .where("model", "=", "Grant")
    .where(sql<string>`payload->>'accountId'`, "=", accountId);
  if (clientId) grants = grants.where(sql<string>`payload->>'clientId'`, "=", clientId);
  const ids = (await grants.execute()).map((g) => g.id);
  if (ids.length === 0) return;
  await db
    .deleteFrom("oidc_payloads")
    .where((eb) =>
      eb.or([eb("grant_id", "in", ids), eb.and([eb("model", "=", "Grant"), eb("id", "in", ids)])]),
    )
    .execute();
}

export async function revokeEservice(
  db: Db,
  who: { accountId: string; nationalId: string },
  clientId: string,
  client: Client,
  now: Date,
): Promise<boolean> {
  const deleted = await db
    .deleteFrom("oidc_consents")
    .where("account_id", "=", who.accountId)
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  await revokeGrants(db, who.accountId, clientId);
  if (Number(deleted.numDeletedRows) === 0) return false;
  await recordEvent(db, { ...who, type: "sso.revoked" }, client, now);
  return true;
}
