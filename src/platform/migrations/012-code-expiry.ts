import type { Kysely } from "kysely";

// A message that carries a one-time code is worth nothing once the code has expired: it keeps the
// code's expiry, and the courier abandons it instead of posting it after that (issue 22).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("messages").addColumn("expires_at", "timestamptz").execute();
}
