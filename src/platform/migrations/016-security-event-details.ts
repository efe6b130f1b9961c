import { type Kysely, sql } from "kysely";

// Issue: security events show failed sign-ins, ended sessions and the device.
// - `count` on an event that ends several sessions at once (a password change, a lock).
// - Failed password sign-ins are summarised: one row per account and hour, its count raised in
//   place, so that a stranger's guesses add no rows beyond one an hour. security_events stays
//   append-only; this table is the one that is updated.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("security_events").addColumn("count", "integer").execute();
  // No foreign key, as for security_events: the record outlives the account it is about.
  await db.schema
    .createTable("sign_in_failures")
    .addColumn("account_id", "uuid", (c) => c.notNull())
    .addColumn("window_start", "timestamptz", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull().check(sql`count > 0`))
    .addColumn("first_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_at", "timestamptz", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addPrimaryKeyConstraint("sign_in_failures_pkey", ["account_id", "window_start"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("sign_in_failures").execute();
  await db.schema.alterTable("security_events").dropColumn("count").execute();
}
