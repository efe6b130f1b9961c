import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";

// The salt of the pairwise subjects e-services see, made once per installation and never rotated:
// deriving it from SECRET_KEY (as 008 did) gave every person a new `sub` at every key rotation, and
// every e-service would have lost its link to its users (decision 010).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("oidc_salts")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await (db as Kysely<{ oidc_salts: { name: string; value: string; created_at: Date } }>)
    .insertInto("oidc_salts")
    .values({ name: "pairwise", value: randomBytes(32).toString("base64url"), created_at: new Date() })
    .execute();
}
