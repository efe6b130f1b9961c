import { type Kysely, sql } from "kysely";

// Signing keys rotate without a restart (issue 20): a new key is published first and signs only from
// `active_at` on, so that every e-service's cached JWKS holds it before a token it signs arrives. Keys
// made before this migration were active from their creation.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("oidc_keys").addColumn("active_at", "timestamptz").execute();
  await sql`update oidc_keys set active_at = created_at`.execute(db);
  await db.schema
    .alterTable("oidc_keys")
    .alterColumn("active_at", (c) => c.setNotNull())
    .execute();
}
