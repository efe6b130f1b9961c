// Time partitions (migration 018, src/platform/partitions.ts): the migration over a database holding rows in
// many months, DEFAULT for a row from a clock gone wrong, the months made ahead, and retention dropping
// exactly the months past it. On PGlite, and on PostgreSQL with DATABASE_URL.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Kysely, Migrator, sql } from "kysely";
import { ConfigError, loadConfig } from "../src/platform/config.ts";
import type { DatabaseHandle } from "../src/platform/database.ts";
import { migrations } from "../src/platform/migrate.ts";
import {
  MONTHS_AHEAD,
  maintainTable,
  monthStart,
  PARTITIONED_TABLES,
  partitionName,
  partitionsOf,
} from "../src/platform/partitions.ts";
import { openEmptyDatabase } from "./helpers/empty-database.ts";

const DAY_MS = 86_400_000;
let database: DatabaseHandle;
let close = async () => {};
before(async () => {
  ({ database, close } = await openEmptyDatabase());
});
after(async () => {
  await close();
});

const db = () => database.db as unknown as Kysely<unknown>;
const provider = { getMigrations: async () => migrations };

async function migrateTo(name: string) {
  const { error, results } = await new Migrator({ db: db(), provider }).migrateTo(name);
  assert.ok(!error && !results?.some((r) => r.status === "Error"), `${name}: ${String(error)}`);
}

/** Where each row of `table` is, by partition name. */
async function placement(table: string): Promise<Record<string, number>> {
  const { rows } = await sql<{ part: string; n: number }>`
    select tableoid::regclass::text as part, count(*)::int as n from ${sql.table(table)} group by 1`.execute(
    db(),
  );
  return Object.fromEntries(rows.map((r) => [r.part, r.n]));
}

const now = new Date();
/** The middle of the month `offset` months from now: in that month whatever the day today. */
const inMonth = (offset: number) => new Date(monthStart(now, offset).getTime() + 14 * DAY_MS);
const OLD_MONTHS = [-30, -13, -2, -1, 0];

test("018 turns tables holding rows in many months into partitions; every row, key and lookup kept", {
  timeout: 240_000,
}, async () => {
  await migrateTo("014-mismatch-looks");
  const accountId = crypto.randomUUID();
  await sql`insert into accounts (id, national_id, mobile, email, first_name, last_name, gender, birth_date,
    birth_certificate_number, status, password_hash, registration_request_id, created_at, updated_at)
    values (${accountId}, '0012345678', '09120000000', null, 'a', 'b', 'female', '1370-01-01', '1', 'active',
    'x', ${crypto.randomUUID()}, now(), now())`.execute(db());
  for (const [i, offset] of OLD_MONTHS.entries()) {
    const at = inMonth(offset);
    await sql`insert into security_events (id, account_id, type, created_at)
      values (${crypto.randomUUID()}, ${accountId}, 'login', ${at})`.execute(db());
    await sql`insert into audit_log (id, action, result, created_at) values (${crypto.randomUUID()}, 'a', 'ok', ${at})`.execute(
      db(),
    );
    await sql`insert into mobile_verifications (id, national_id, mobile, code_hash, status, expires_at, proof_hash, created_at)
      values (${crypto.randomUUID()}, '0012345678', '09120000000', 'h', 'used', ${at}, ${`proof-${i}`}, ${at})`.execute(
      db(),
    );
    await sql`insert into sessions (id_hash, account_id, created_at, last_seen_at, expires_at)
      values (${`hash-${i}`}, ${accountId}, ${at}, ${at}, ${at})`.execute(db());
    await sql`insert into messages (id, channel, recipient, template, body, dedupe_key, status, next_attempt_at, created_at)
      values (${crypto.randomUUID()}, 'sms', '09120000000', 't', 'b', ${`event-${i}`}, 'sent', ${at}, ${at})`.execute(
      db(),
    );
  }
  const { rows: seqBefore } = await sql<{ seq: number }>`select max(seq)::int as seq from audit_log`.execute(
    db(),
  );

  await migrateTo("018-time-partitions");

  for (const table of PARTITIONED_TABLES) {
    const where = await placement(table);
    const expected = Object.fromEntries(
      OLD_MONTHS.map((o) => [partitionName(table, monthStart(inMonth(o))), 1]),
    );
    assert.deepEqual(where, expected, `${table}: each row in its month's partition`);
    const parts = await partitionsOf(db(), table);
    assert.ok(parts.includes(`${table}_default`), `${table} has a DEFAULT partition`);
    // Every month from the oldest row's to MONTHS_AHEAD past today, none missing in between.
    for (let o = OLD_MONTHS[0]!; o <= MONTHS_AHEAD; o++)
      assert.ok(parts.includes(partitionName(table, monthStart(now, o))), `${table} month ${o}`);
    const { rows: key } = await sql<{
      def: string;
    }>`select pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = ${table}::regclass and contype = 'p'`.execute(db());
    assert.match(key[0]!.def, /created_at\)$/, `${table}'s key holds created_at`);
  }
  // Lookups by what the flows look things up by.
  const session = await sql<{
    n: number;
  }>`select count(*)::int as n from sessions where id_hash = 'hash-2'`.execute(db());
  assert.equal(session.rows[0]!.n, 1);
  const proof = await sql<{ n: number }>`select count(*)::int as n from mobile_verifications
    where proof_hash = 'proof-0'`.execute(db());
  assert.equal(proof.rows[0]!.n, 1);
  // Every dedupe key of the old messages is still taken: queueing one of them again adds nothing.
  const { rows: keys } = await sql<{
    k: string;
  }>`select dedupe_key as k from message_keys order by k`.execute(db());
  assert.deepEqual(
    keys.map((r) => r.k),
    OLD_MONTHS.map((_, i) => `event-${i}`),
  );
  // Append-only still holds on the partitions; audit_log.seq goes on from where it was.
  await assert.rejects(sql`update security_events set type = 'x'`.execute(db()), /append-only/);
  await assert.rejects(sql`delete from audit_log`.execute(db()), /append-only/);
  const { rows: next } = await sql<{ seq: number }>`insert into audit_log (id, action, result, created_at)
    values (${crypto.randomUUID()}, 'b', 'ok', now()) returning seq::int`.execute(db());
  assert.ok(next[0]!.seq > seqBefore[0]!.seq);
  // The session's key to accounts survived: deleting the account takes its sessions with it.
  await sql`delete from accounts where id = ${accountId}`.execute(db());
  assert.deepEqual(await placement("sessions"), {});
  // A session with no account is refused, as before.
  await assert.rejects(
    sql`insert into sessions (id_hash, account_id, created_at, last_seen_at, expires_at)
      values ('h', ${crypto.randomUUID()}, now(), now(), now())`.execute(db()),
    /foreign key/,
  );
});

test("a row from a clock gone wrong lands in DEFAULT; its month, once made, takes it over", async () => {
  const insert = (at: Date) =>
    sql`insert into security_events (id, type, created_at) values (${crypto.randomUUID()}, 'login', ${at})`.execute(
      db(),
    );
  await insert(new Date("2001-03-04T00:00:00Z"));
  await insert(new Date("2100-01-01T00:00:00Z"));
  const ahead = inMonth(MONTHS_AHEAD + 1);
  await insert(ahead);
  const where = await placement("security_events");
  assert.equal(where.security_events_default, 3);

  // A month later the sweeper makes the month that row belongs to: the row moves in, still append-only.
  const report = await maintainTable(database.db, "security_events", monthStart(now, 1), 730);
  const month = partitionName("security_events", monthStart(ahead));
  assert.ok(report?.created.includes(month));
  const after = await placement("security_events");
  assert.equal(after[month], 1);
  assert.equal(after.security_events_default, 1, "2001 is past retention (purged); 2100 stays in DEFAULT");
  await assert.rejects(sql`delete from ${sql.table(month)}`.execute(db()), /append-only/);
  await assert.rejects(sql`delete from security_events_default`.execute(db()), /append-only/);
});

test("retention drops exactly the months wholly older than it, and nothing younger", async () => {
  const table = "mobile_verifications";
  const retentionDays = 40;
  const at = (iso: string) => new Date(iso);
  // Today is 2027-06-10 for this test: the cutoff is 2027-05-01 (40 days before).
  const today = at("2027-06-10T12:00:00Z");
  for (const created of [
    "2027-03-31T23:59:59Z",
    "2027-04-30T23:59:59Z",
    "2027-05-01T00:00:00Z",
    "2027-06-09T00:00:00Z",
  ]) {
    await maintainTable(database.db, table, at(created), 10_000);
    await sql`insert into mobile_verifications (id, national_id, mobile, code_hash, status, expires_at, created_at)
      values (${crypto.randomUUID()}, '1', '2', 'h', 'dead', ${at(created)}, ${at(created)})`.execute(db());
  }
  const report = await maintainTable(database.db, table, today, retentionDays);
  assert.ok(report);
  const dropped = report.dropped;
  // April ended at the cutoff: every row of it is older than 40 days. May is not yet wholly past.
  assert.ok(dropped.includes("mobile_verifications_y2027m04"));
  assert.ok(dropped.includes("mobile_verifications_y2027m03"));
  assert.ok(!dropped.includes("mobile_verifications_y2027m05"));
  const { rows } = await sql<{ c: Date }>`select created_at as c from mobile_verifications
    where created_at >= '2027-01-01' order by c`.execute(db());
  assert.deepEqual(
    rows.map((r) => r.c.toISOString()),
    ["2027-05-01T00:00:00.000Z", "2027-06-09T00:00:00.000Z"],
  );
  for (const r of rows) assert.ok(today.getTime() - r.c.getTime() < retentionDays * DAY_MS + 31 * DAY_MS);
  // The months ahead of 2027-06 exist; running again changes nothing.
  const parts = await partitionsOf(db(), table);
  for (let o = 0; o <= MONTHS_AHEAD; o++)
    assert.ok(parts.includes(partitionName(table, monthStart(today, o))));
  const again = await maintainTable(database.db, table, today, retentionDays);
  assert.deepEqual(again, { table, created: [], dropped: [], purged: 0 });
});

test("a retention shorter than the longest session is refused at start, in Persian and English", () => {
  assert.throws(
    () => loadConfig({ NODE_ENV: "test", SESSION_ABSOLUTE_HOURS: "720", RETENTION_SESSIONS_DAYS: "10" }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /RETENTION_SESSIONS_DAYS \(10\).*SESSION_ABSOLUTE_HOURS=720 \(30 days\)/.test(error.message) &&
      /نگهداری نشست‌ها/.test(error.message),
  );
  assert.equal(
    loadConfig({ NODE_ENV: "test", SESSION_ABSOLUTE_HOURS: "720", RETENTION_SESSIONS_DAYS: "30" }).retention
      .sessions,
    30,
  );
  assert.throws(
    () => loadConfig({ NODE_ENV: "test", RETENTION_AUDIT_LOG_DAYS: "30" }),
    /RETENTION_AUDIT_LOG_DAYS/,
  );
  assert.deepEqual(loadConfig({ NODE_ENV: "test" }).retention, {
    security_events: 730,
    audit_log: 1826,
    messages: 30,
    mobile_verifications: 30,
    sessions: 30,
  });
});
