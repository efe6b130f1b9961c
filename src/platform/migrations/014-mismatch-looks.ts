import { type Kysely, sql } from "kysely";

// Issue 21: after an identity mismatch, the holder of the proved mobile may see which fields differed
// from the civil registry (never the registry's values), with a code to that mobile: one mechanism
// with every other code (src/platform/one-time-codes.ts). Rows also count the looks of a day.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("mismatch_looks")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("national_id", "text", (c) => c.notNull())
    .addColumn("mobile", "text", (c) => c.notNull())
    // The mismatched request the code shows; null when the pair's latest request is none (no SMS then).
    .addColumn("request_id", "uuid")
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('pending', 'viewed', 'dead')`))
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("viewed_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("mismatch_looks_pair")
    .on("mismatch_looks")
    .columns(["national_id", "mobile", "created_at"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("mismatch_looks").execute();
}
