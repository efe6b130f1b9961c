// Time partitions of the tables that only grow (migration 018, docs/decisions/020-time-partitions.md):
// one partition per calendar month (UTC) of `created_at`, named `<table>_y2026m12`, and a DEFAULT
// partition so that no insert ever fails for want of a month. The sweeper creates the months ahead and
// drops whole months older than each table's retention; the same statements run on PGlite and PostgreSQL.
import { type Kysely, type RawBuilder, sql } from "kysely";

export const PARTITIONED_TABLES = [
  "security_events",
  "audit_log",
  "messages",
  "mobile_verifications",
  "sessions",
] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/** Days each table keeps its rows (RETENTION_*_DAYS); a row lives at least this long, at most a month more. */
export type Retention = Record<PartitionedTable, number>;

/** Tables whose trigger refuses update and delete: a row moved out of DEFAULT passes it, in the same transaction. */
const APPEND_ONLY: ReadonlySet<string> = new Set(["security_events", "audit_log"]);

/** How many months beyond the current one are made ready, so that a slow sweeper never lets rows fall into DEFAULT. */
export const MONTHS_AHEAD = 2;

const DAY_MS = 86_400_000;

// biome-ignore lint/suspicious/noExplicitAny: used by the migration (Kysely<unknown>) and the sweeper (Db).
type AnyDb = Kysely<any>;

/** The first instant (UTC) of the month `offset` months after the month of `at`. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

export function partitionName(table: PartitionedTable, month: Date): string {
  return `${table}_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The month a partition holds, read from its name; undefined for DEFAULT or a name not ours. */
export function monthOfPartition(table: PartitionedTable, name: string): Date | undefined {
  const match = new RegExp(`^${table}_y(\\d{4})m(\\d{2})$`).exec(name);
  return match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) : undefined;
}

export async function partitionsOf(db: AnyDb, table: PartitionedTable): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${table}::regclass order by c.relname`.execute(db);
  return rows.map((r) => r.name);
}

/**
 * The partition of `month`, if it is not there yet. Rows already in DEFAULT for that month (written while
 * a clock ran ahead) would make a plain `partition of` fail, so they are moved into it first.
 */
export async function createMonth(db: AnyDb, table: PartitionedTable, month: Date): Promise<boolean> {
  const name = partitionName(table, month);
  const next = monthStart(month, 1);
  const exists = await sql<{ found: boolean }>`select to_regclass(${name}) is not null as found`.execute(db);
  if (exists.rows[0]?.found) return false;
  const parent = sql.table(table);
  const part = sql.table(name);
  const fallback = sql.table(`${table}_default`);
  const from = sql.lit(month.toISOString());
  const to = sql.lit(next.toISOString());
  const strays = await sql<{ found: boolean }>`select exists (select 1 from ${fallback}
    where created_at >= ${month} and created_at < ${next}) as found`.execute(db);
  if (!strays.rows[0]?.found) {
    await sql`create table ${part} partition of ${parent} for values from (${from}) to (${to})`.execute(db);
    return true;
  }
  await sql`create table ${part} (like ${parent} including defaults including constraints)`.execute(db);
  await sql`insert into ${part} select * from ${fallback}
    where created_at >= ${month} and created_at < ${next}`.execute(db);
  await deleteFromDefault(db, table, sql`created_at >= ${month} and created_at < ${next}`);
  await sql`alter table ${parent} attach partition ${part} for values from (${from}) to (${to})`.execute(db);
  return true;
}

/** Deletes rows of DEFAULT; an append-only table's trigger is set aside for this statement's transaction only. */
async function deleteFromDefault(
  db: AnyDb,
  table: PartitionedTable,
  where: RawBuilder<unknown>,
): Promise<number> {
  const fallback = sql.table(`${table}_default`);
  const guarded = APPEND_ONLY.has(table);
  if (guarded) await sql`alter table ${fallback} disable trigger user`.execute(db);
  const result = await sql`delete from ${fallback} where ${where}`.execute(db);
  if (guarded) await sql`alter table ${fallback} enable trigger user`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export type MaintenanceReport = {
  table: PartitionedTable;
  created: string[];
  dropped: string[];
  purged: number;
};

/**
 * One table's upkeep at `now`: the current month and MONTHS_AHEAD more exist; every month that ended
 * `retentionDays` or more before `now` is dropped whole; rows in DEFAULT past the same age are deleted
 * (the only row-level delete left). Run in a transaction; skipped when another process holds it.
 */
export async function maintainTable(
  db: AnyDb,
  table: PartitionedTable,
  now: Date,
  retentionDays: number,
): Promise<MaintenanceReport | undefined> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ got: boolean }>`
      select pg_try_advisory_xact_lock(hashtext(${`hoviat.partitions.${table}`})) as got`.execute(trx);
    if (!rows[0]?.got) return undefined;
    // A drop waits for the parent's lock; better to try again at the next round than to queue sign-ins behind it.
    await sql`set local lock_timeout = '5s'`.execute(trx);
    const report: MaintenanceReport = { table, created: [], dropped: [], purged: 0 };
    for (let offset = 0; offset <= MONTHS_AHEAD; offset++) {
      const month = monthStart(now, offset);
      if (await createMonth(trx, table, month)) report.created.push(partitionName(table, month));
    }
    const cutoff = new Date(now.getTime() - retentionDays * DAY_MS);
    for (const name of await partitionsOf(trx, table)) {
      const month = monthOfPartition(table, name);
      // A month is dropped once its last instant is older than the retention: no row of it is younger.
      if (month && monthStart(month, 1) <= cutoff) {
        await sql`drop table ${sql.table(name)}`.execute(trx);
        report.dropped.push(name);
      }
    }
    report.purged = await deleteFromDefault(trx, table, sql`created_at < ${cutoff}`);
    // A message's dedupe key is forgotten with its message: no business event is queued again that late.
    if (table === "messages") await sql`delete from message_keys where created_at < ${cutoff}`.execute(trx);
    // The failed sign-ins' hourly summaries are part of the holder's history: kept as long as it is.
    if (table === "security_events") {
      await sql`delete from sign_in_failures where window_start < ${cutoff}`.execute(trx);
    }
    return report;
  });
}

export async function maintainPartitions(db: AnyDb, now: Date, retention: Retention) {
  const reports: MaintenanceReport[] = [];
  for (const table of PARTITIONED_TABLES) {
    const report = await maintainTable(db, table, now, retention[table]);
    if (report) reports.push(report);
  }
  return reports;
}
