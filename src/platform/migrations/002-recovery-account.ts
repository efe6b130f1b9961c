import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("password_recoveries")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("national_id", "text", (c) => c.notNull())
    // Null for a national ID with no account: the recovery exists all the same and can never succeed.
    .addColumn("account_id", "uuid", (c) => c.references("accounts.id").onDelete("cascade"))
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("code_hash", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("reset_token_hash", "text")
    .addColumn("reset_expires_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("client_ip", "text")
    .execute();
  await db.schema
    .createIndex("password_recoveries_account")
    .on("password_recoveries")
    .column("account_id")
    .execute();

  await db.schema
    .createTable("account_changes")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull().check(sql`kind in ('mobile', 'email')`))
    .addColumn("new_value", "text", (c) => c.notNull())
    .addColumn("code_hash", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("decided_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("account_changes_account")
    .on("account_changes")
    .columns(["account_id", "kind", "created_at desc"])
    .execute();

  // No foreign key: the record of what happened outlives the account it is about.
  await db.schema
    .createTable("security_events")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid")
    .addColumn("national_id", "text")
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("security_events_account")
    .on("security_events")
    .columns(["account_id", "created_at"])
    .execute();
  // Append-only, enforced by the database rather than by the good manners of the code.
  await sql`create function security_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'security_events is append-only'; end $$`.execute(db);
  await sql`create trigger security_events_append_only before update or delete on security_events
    for each row execute function security_events_append_only()`.execute(db);

  // A non-secret handle for listing and revoking sessions; the cookie's hash never leaves the server.
  await sql`alter table sessions add column public_id uuid not null default gen_random_uuid()`.execute(db);
  await db.schema.createIndex("sessions_public_id").on("sessions").column("public_id").unique().execute();
}
