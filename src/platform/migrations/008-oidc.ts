import { type Kysely, sql } from "kysely";

// R-SSO: Hoviat as an OpenID Provider (src/flows/oidc).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Every oidc-provider model (sessions, interactions, codes, tokens, grants) in one table, keyed by
  // model + id; the columns beside the payload are the ones it looks things up by.
  await db.schema
    .createTable("oidc_payloads")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("grant_id", "text")
    .addColumn("user_code", "text")
    .addColumn("uid", "text")
    // The account of a Session, so that a logout elsewhere in Hoviat finds the SSO sessions to end.
    .addColumn("account_id", "text")
    .addColumn("expires_at", "timestamptz")
    .addColumn("consumed_at", "timestamptz")
    .addPrimaryKeyConstraint("oidc_payloads_pkey", ["model", "id"])
    .execute();
  await db.schema.createIndex("oidc_payloads_grant_id").on("oidc_payloads").column("grant_id").execute();
  await db.schema.createIndex("oidc_payloads_user_code").on("oidc_payloads").column("user_code").execute();
  await db.schema.createIndex("oidc_payloads_uid").on("oidc_payloads").column("uid").execute();
  await db.schema
    .createIndex("oidc_payloads_account")
    .on("oidc_payloads")
    .columns(["account_id", "model"])
    .execute();
  await db.schema.createIndex("oidc_payloads_expires").on("oidc_payloads").column("expires_at").execute();

  // The e-services (relying parties): oidc-provider client metadata, managed by admins and the CLI.
  await db.schema
    .createTable("oidc_clients")
    .addColumn("client_id", "text", (c) => c.primaryKey())
    .addColumn("metadata", "jsonb", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull().check(sql`source in ('file', 'cli', 'console')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  // Signing keys (private JWKs). The newest of each algorithm signs; retired ones stay published
  // until the next rotation so that tokens already issued still verify.
  await db.schema
    .createTable("oidc_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("alg", "text", (c) => c.notNull().check(sql`alg in ('ES256', 'RS256')`))
    .addColumn("private_jwk", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("retired_at", "timestamptz")
    .execute();

  // Consent remembered per account, e-service and scope; revoked by the holder («قطع دسترسی»).
  await db.schema
    .createTable("oidc_consents")
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("scopes", "jsonb", (c) => c.notNull())
    .addColumn("granted_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_used_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("oidc_consents_pkey", ["account_id", "client_id"])
    .execute();
}
