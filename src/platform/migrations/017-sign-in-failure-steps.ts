import type { Kysely } from "kysely";

// Issue 21: a wrong code at the second step is a failed sign-in too, and the one that tells the holder
// most (someone has the password). Summarised like the password's, one row per account, step and
// hour: `step` is `password` (the first step) or `code` (an SMS, app or backup code).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("sign_in_failures")
    .addColumn("step", "text", (c) => c.notNull().defaultTo("password"))
    .execute();
  await db.schema.alterTable("sign_in_failures").dropConstraint("sign_in_failures_pkey").execute();
  await db.schema
    .alterTable("sign_in_failures")
    .addPrimaryKeyConstraint("sign_in_failures_pkey", ["account_id", "step", "window_start"])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db
    .deleteFrom("sign_in_failures" as never)
    .where("step" as never, "<>", "password" as never)
    .execute();
  await db.schema.alterTable("sign_in_failures").dropConstraint("sign_in_failures_pkey").execute();
  await db.schema
    .alterTable("sign_in_failures")
    .addPrimaryKeyConstraint("sign_in_failures_pkey", ["account_id", "window_start"])
    .execute();
  await db.schema.alterTable("sign_in_failures").dropColumn("step").execute();
}
