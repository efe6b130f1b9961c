import { type Kysely, sql } from "kysely";
import { createMonth, MONTHS_AHEAD, monthStart, type PartitionedTable } from "../partitions.ts";

// Issue 22: the tables that only grow become monthly range partitions of created_at, with a DEFAULT
// partition (docs/decisions/020-time-partitions.md). Each table is rebuilt in this migration's transaction:
// the old one renamed, a partitioned one made in its place, the rows copied, the old one dropped, then keys,
// indexes and triggers made on the parent (every partition gets them). A key must hold created_at now.
// Partial: a table partitioned later (added to PARTITIONED_TABLES) gets a migration of its own, not this one.
const KEYS: Partial<Record<PartitionedTable, string[]>> = {
  security_events: [
    "alter table security_events add constraint security_events_pkey primary key (id, created_at)",
    "create index security_events_account on security_events (account_id, created_at)",
    `create trigger security_events_append_only before update or delete on security_events
      for each row execute function security_events_append_only()`,
  ],
  audit_log: [
    "alter table audit_log add constraint audit_log_pkey primary key (id, created_at)",
    "create index audit_log_created on audit_log (created_at, seq)",
    "create index audit_log_target on audit_log (target_national_id, created_at)",
    "create index audit_log_actor on audit_log (actor_username, created_at)",
    `create trigger audit_log_append_only before update or delete on audit_log
      for each row execute function audit_log_append_only()`,
  ],
  messages: [
    "alter table messages add constraint messages_pkey primary key (id, created_at)",
    "create index messages_due on messages (next_attempt_at) where status = 'queued'",
    // Unique across months in message_keys; here only to find a key's messages (a replaced code's).
    "create index messages_dedupe_key on messages (dedupe_key)",
  ],
  mobile_verifications: [
    "alter table mobile_verifications add constraint mobile_verifications_pkey primary key (id, created_at)",
    // A proof is 256 random bits: unique by itself in fact; the key is what a partitioned table can enforce.
    `alter table mobile_verifications add constraint mobile_verifications_proof_hash_key
      unique (proof_hash, created_at)`,
    "create index mobile_verifications_created on mobile_verifications (created_at)",
  ],
  sessions: [
    // The token's hash is 256 random bits: the key with created_at still finds one row by the hash alone.
    "alter table sessions add constraint sessions_pkey primary key (id_hash, created_at)",
    "create index sessions_account on sessions (account_id)",
    "create unique index sessions_public_id on sessions (public_id, created_at)",
    `alter table sessions add constraint sessions_account_id_fkey foreign key (account_id)
      references accounts (id) on delete cascade`,
  ],
};

/** However old a table's first row, no more months than this are made behind today; older rows go to DEFAULT. */
const MONTHS_BEHIND_AT_MOST = 120;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("message_keys")
    .addColumn("dedupe_key", "text", (c) => c.primaryKey())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("message_keys_created").on("message_keys").column("created_at").execute();
  await sql`insert into message_keys (dedupe_key, created_at) select dedupe_key, created_at from messages`.execute(
    db,
  );
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  const now = rows[0]!.now;
  for (const table of Object.keys(KEYS) as PartitionedTable[]) {
    const old = `${table}_unpartitioned`;
    await sql`alter table ${sql.table(table)} rename to ${sql.table(old)}`.execute(db);
    await sql`create table ${sql.table(table)} (like ${sql.table(old)} including defaults including constraints)
      partition by range (created_at)`.execute(db);
    await sql`create table ${sql.table(`${table}_default`)} partition of ${sql.table(table)} default`.execute(
      db,
    );
    const first = await sql<{ at: Date | null }>`select min(created_at) as at from ${sql.table(old)}`.execute(
      db,
    );
    const earliest = monthStart(now, -MONTHS_BEHIND_AT_MOST);
    const at = first.rows[0]?.at;
    let month = at && at > earliest ? monthStart(at) : at ? earliest : monthStart(now);
    for (; month <= monthStart(now, MONTHS_AHEAD); month = monthStart(month, 1))
      await createMonth(db, table, month);
    await sql`insert into ${sql.table(table)} select * from ${sql.table(old)}`.execute(db);
    // The sequence of audit_log.seq belonged to the old table's column: it must outlive it.
    if (table === "audit_log") await sql`alter sequence audit_log_seq_seq owned by audit_log.seq`.execute(db);
    await sql`drop table ${sql.table(old)}`.execute(db);
    for (const statement of KEYS[table] ?? []) await sql.raw(statement).execute(db);
  }
}
