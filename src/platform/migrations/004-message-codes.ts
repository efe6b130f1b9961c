import type { Kysely } from "kysely";

// Messages that carry a one-time code: their body is redacted once the message is final.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("messages")
    .addColumn("contains_code", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
}
