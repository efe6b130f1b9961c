import { type Kysely, sql } from "kysely";

// The dev outbox lists newest first. Messages of one instant (a test clock, one batch of the
// courier) keep the order they were delivered in: a sequence, since message ids are random.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox add column seq bigserial`.execute(db);
  await sql`create index outbox_newest on outbox (created_at desc, seq desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index outbox_newest`.execute(db);
  await sql`alter table outbox drop column seq`.execute(db);
}
