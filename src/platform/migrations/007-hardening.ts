import { type Kysely, sql } from "kysely";

// Issue 10: credential versions that void recoveries, the contact hold after a reset by security
// questions alone, and staff-made security events shown by branch rather than by operator address.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("accounts")
    .addColumn("credential_version", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("contact_hold_until", "timestamptz")
    .execute();
  // In the database, so that every path that changes a credential (the citizen, a reset, a branch,
  // an admin, code not written yet) voids what was proved against the old one.
  await sql`create function accounts_credential_version() returns trigger language plpgsql as $$
    begin
      if new.password_hash is distinct from old.password_hash or new.mobile is distinct from old.mobile
        or new.email is distinct from old.email or new.status is distinct from old.status then
        new.credential_version := old.credential_version + 1;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger accounts_credential_version before update on accounts
    for each row execute function accounts_credential_version()`.execute(db);

  await db.schema.alterTable("password_recoveries").addColumn("credential_version", "integer").execute();

  await db.schema
    .alterTable("security_events")
    .addColumn("by_staff", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("branch_id", "uuid")
    .execute();

  await db.schema.createIndex("staff_sessions_expires").on("staff_sessions").column("expires_at").execute();
}
