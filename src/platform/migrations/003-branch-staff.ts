import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("branches")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("code", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("staff")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("username", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().check(sql`role in ('branch_operator', 'admin')`))
    .addColumn("branch_id", "uuid", (c) => c.references("branches.id"))
    .addColumn("status", "text", (c) => c.notNull().check(sql`status in ('active', 'locked')`))
    .addColumn("password_hash", "text", (c) => c.notNull())
    // The password an admin or the CLI handed over is changed at the first sign-in.
    .addColumn("password_must_change", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("totp_secret", "text")
    .addColumn("totp_enrolled_at", "timestamptz")
    .addColumn("totp_last_step", "bigint")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    // An operator works for a branch; an admin for the whole organisation.
    .addCheckConstraint("staff_operator_branch", sql`role = 'admin' or branch_id is not null`)
    .execute();

  await db.schema
    .createTable("staff_sessions")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("staff_id", "uuid", (c) => c.notNull().references("staff.id").onDelete("cascade"))
    .addColumn("stage", "text", (c) => c.notNull().check(sql`stage in ('totp', 'full')`))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("staff_sessions_staff").on("staff_sessions").column("staff_id").execute();

  await db.schema
    .createTable("branch_activations")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("branch_id", "uuid", (c) => c.notNull().references("branches.id"))
    .addColumn("requested_by", "uuid", (c) => c.notNull().references("staff.id"))
    .addColumn("approved_by", "uuid", (c) => c.references("staff.id"))
    .addColumn("new_mobile", "text")
    .addColumn("code_hash", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("decided_at", "timestamptz")
    .execute();
  await db.schema
    .createIndex("branch_activations_account")
    .on("branch_activations")
    .columns(["account_id", "created_at desc"])
    .execute();

  // No foreign keys: the record outlives the staff, branches and accounts it names.
  await db.schema
    .createTable("audit_log")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    // The order of appending, which timestamps alone do not give (equal within a transaction).
    .addColumn("seq", "bigserial", (c) => c.notNull())
    .addColumn("actor_id", "uuid")
    .addColumn("actor_username", "text")
    .addColumn("actor_role", "text")
    .addColumn("branch_id", "uuid")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_national_id", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .addColumn("result", "text", (c) => c.notNull())
    .addColumn("details", "jsonb")
    .execute();
  await db.schema.createIndex("audit_log_created").on("audit_log").columns(["created_at", "seq"]).execute();
  await db.schema
    .createIndex("audit_log_target")
    .on("audit_log")
    .columns(["target_national_id", "created_at"])
    .execute();
  await db.schema
    .createIndex("audit_log_actor")
    .on("audit_log")
    .columns(["actor_username", "created_at"])
    .execute();
  await sql`create function audit_log_append_only() returns trigger language plpgsql as $$
    begin raise exception 'audit_log is append-only'; end $$`.execute(db);
  await sql`create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_append_only()`.execute(db);
}
