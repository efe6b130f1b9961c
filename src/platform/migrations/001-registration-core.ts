import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("registration_requests")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("national_id", "text", (c) => c.notNull())
    .addColumn("mobile", "text", (c) => c.notNull())
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("gender", "text", (c) => c.notNull().check(sql`gender in ('male', 'female')`))
    .addColumn("birth_certificate_number", "text", (c) => c.notNull())
    .addColumn("birth_date", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("password_hash", "text")
    .addColumn("security_answers", "jsonb")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("mismatch_fields", "jsonb")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("decided_at", "timestamptz")
    .addColumn("client_ip", "text")
    .execute();
  await db.schema
    .createIndex("registration_requests_national_id_mobile")
    .on("registration_requests")
    .columns(["national_id", "mobile", "created_at desc"])
    .execute();
  await db.schema
    .createIndex("registration_requests_national_id")
    .on("registration_requests")
    .columns(["national_id", "created_at desc"])
    .execute();
  await sql`create index registration_requests_due on registration_requests (next_attempt_at)
    where status = 'pending'`.execute(db);

  await db.schema
    .createTable("accounts")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("national_id", "text", (c) => c.notNull().unique())
    .addColumn("mobile", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("first_name", "text", (c) => c.notNull())
    .addColumn("last_name", "text", (c) => c.notNull())
    .addColumn("gender", "text", (c) => c.notNull())
    .addColumn("birth_date", "text", (c) => c.notNull())
    .addColumn("birth_certificate_number", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("registration_request_id", "uuid", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("activated_at", "timestamptz")
    .execute();

  await db.schema
    .createTable("security_answers")
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("question_id", "text", (c) => c.notNull())
    .addColumn("answer_hash", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("security_answers_pk", ["account_id", "question_id"])
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("template", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_error", "text")
    .addColumn("provider", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("sent_at", "timestamptz")
    .execute();
  await sql`create index messages_due on messages (next_attempt_at) where status = 'queued'`.execute(db);

  await db.schema
    .createTable("outbox")
    .addColumn("message_id", "uuid", (c) => c.primaryKey())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("outbox_recipient").on("outbox").columns(["recipient", "created_at"]).execute();

  await db.schema
    .createTable("sessions")
    .addColumn("id_hash", "text", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .addColumn("revoked_at", "timestamptz")
    .addColumn("ip", "text")
    .addColumn("user_agent", "text")
    .execute();
  await db.schema.createIndex("sessions_account").on("sessions").column("account_id").execute();

  await db.schema
    .createTable("throttles")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("window_ends_at", "timestamptz", (c) => c.notNull())
    .addColumn("locked_until", "timestamptz")
    .execute();
}
