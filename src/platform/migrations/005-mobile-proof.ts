import { type Kysely, sql } from "kysely";

// Possession before trust (docs/decisions/007-mobile-proof.md): the mobile is proved by a code before a
// registration is taken; the email is confirmed by a code once the account is active; an account
// activated at a branch gets its first password through a code sent to the mobile proved at the desk.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("mobile_verifications")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("national_id", "text", (c) => c.notNull())
    .addColumn("mobile", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("proof_hash", "text", (c) => c.unique())
    .addColumn("proof_expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("client_ip", "text")
    .execute();
  await db.schema
    .createIndex("mobile_verifications_created")
    .on("mobile_verifications")
    .column("created_at")
    .execute();

  // A branch-activated account keeps no email the registrant chose; an email is trusted once confirmed.
  await db.schema
    .alterTable("accounts")
    .alterColumn("email", (c) => c.dropNotNull())
    .execute();
  await db.schema.alterTable("accounts").addColumn("email_confirmed_at", "timestamptz").execute();
  // Accounts that existed before this migration had their email accepted as it was: keep them usable.
  await sql`update accounts set email_confirmed_at = created_at`.execute(db);

  for (const table of ["email_confirmations", "password_setups"]) {
    await db.schema
      .createTable(table)
      .addColumn("id", "uuid", (c) => c.primaryKey())
      .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
      .addColumn("code_hash", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("expires_at", "timestamptz", (c) => c.notNull())
      .addColumn("created_at", "timestamptz", (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${table}_account`).on(table).column("account_id").execute();
  }
  await db.schema
    .alterTable("email_confirmations")
    .addColumn("email", "text", (c) => c.notNull())
    .execute();
}
