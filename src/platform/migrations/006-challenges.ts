import type { Kysely } from "kysely";

// Solved ALTCHA challenges, remembered until they expire so that each solution is accepted once
// (the Redis store keeps them as keys instead).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("used_challenges")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("used_challenges_expires_at")
    .on("used_challenges")
    .column("expires_at")
    .execute();
}
