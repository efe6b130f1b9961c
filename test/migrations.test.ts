// The upgrade path: every migration, one at a time, on a database that holds rows written at the step
// before (a NOT NULL column added without a default, a check a stored row breaks, fails here and not
// in production). And the Kysely types of src/platform/schema.ts match the columns the migrations make.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type Kysely, Migrator, sql } from "kysely";
import ts from "typescript";
import type { DatabaseHandle } from "../src/platform/database.ts";
import { migrations } from "../src/platform/migrate.ts";
import { openEmptyDatabase } from "./helpers/empty-database.ts";

let database: DatabaseHandle;
let close = async () => {};
before(async () => {
  ({ database, close } = await openEmptyDatabase());
});
after(async () => {
  await close();
});

type Column = { table: string; column: string; type: string; nullable: boolean; hasDefault: boolean };

async function columns(db: Kysely<unknown>): Promise<Column[]> {
  const { rows } = await sql<{ t: string; c: string; type: string; nullable: string; def: string | null }>`
    select table_name as t, column_name as c, data_type as type, is_nullable as nullable, column_default as def
    from information_schema.columns
    where table_schema = 'public' and table_name not like 'kysely_%'
      -- A partition is its parent's rows, not a table of its own (migration 018).
      and table_name not in (select inhrelid::regclass::text from pg_inherits)
    order by table_name, ordinal_position`.execute(db);
  return rows.map((r) => ({
    table: r.t,
    column: r.c,
    type: r.type,
    nullable: r.nullable === "YES",
    hasDefault: r.def !== null,
  }));
}

let serial = 0;

/** One row in each table that can take one now: a value per column from its type, its checks, its keys. */
async function fillEveryTable(db: Kysely<unknown>): Promise<Map<string, number>> {
  const all = await columns(db);
  const { rows: checks } = await sql<{ t: string; def: string }>`
    select conrelid::regclass::text as t, pg_get_constraintdef(oid) as def from pg_constraint
    where contype = 'c' and connamespace = 'public'::regnamespace`.execute(db);
  const { rows: keys } = await sql<{ t: string; c: string; ref: string; refc: string }>`
    select c.conrelid::regclass::text as t, a.attname as c, c.confrelid::regclass::text as ref, af.attname as refc
    from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    join pg_attribute af on af.attrelid = c.confrelid and af.attnum = c.confkey[1]
    where c.contype = 'f' and c.connamespace = 'public'::regnamespace`.execute(db);
  const tables = [...new Set(all.map((c) => c.table))];
  const failures = new Map<string, string>();
  const filled = new Set<string>();
  // Tables whose keys point at tables not yet filled wait for a later pass.
  for (let pass = 0; pass < tables.length && filled.size < tables.length; pass++) {
    for (const table of tables.filter((t) => !filled.has(t))) {
      const values: Record<string, unknown> = {};
      let ready = true;
      for (const col of all.filter((c) => c.table === table && !c.hasDefault)) {
        const key = keys.find((k) => k.t === table && k.c === col.column);
        if (key) {
          const { rows } = await sql<{
            v: unknown;
          }>`select ${sql.ref(key.refc)} as v from ${sql.table(key.ref)} limit 1`.execute(db);
          if (!rows[0]) {
            ready = col.nullable;
            values[col.column] = null;
            continue;
          }
          values[col.column] = rows[0].v;
          continue;
        }
        values[col.column] = valueFor(
          col,
          checks.filter((c) => c.t === table).map((c) => c.def),
        );
      }
      if (!ready) continue;
      const names = Object.keys(values);
      try {
        await sql`insert into ${sql.table(table)} (${sql.join(names.map((n) => sql.ref(n)))})
          values (${sql.join(names.map((n) => values[n]))})`.execute(db);
        failures.delete(table);
        filled.add(table);
      } catch (error) {
        failures.set(table, String(error));
      }
    }
  }
  assert.deepEqual(Object.fromEntries(failures), {}, "a table could not take a row");
  assert.deepEqual(
    tables.filter((t) => !filled.has(t)),
    [],
    "a table waited for keys that never came",
  );
  return counts(db, tables);
}

function valueFor(col: Column, checks: string[]): unknown {
  serial++;
  // A check of the form `col = ANY (ARRAY['a'::text, …])` or `col IN ('a', …)` names the values allowed.
  const check = checks.find((d) => new RegExp(`\\(?${col.column}\\b[^']*'`).test(d) && /ANY|IN \(|=/.test(d));
  const allowed = check?.match(new RegExp(`${col.column}\\b[^']*'([^']*)'`))?.[1];
  if (allowed !== undefined) return allowed;
  switch (col.type) {
    case "uuid":
      return crypto.randomUUID();
    case "integer":
    case "smallint":
    case "bigint":
    case "numeric":
      return serial;
    case "boolean":
      return false;
    case "timestamp with time zone":
    case "timestamp without time zone":
      return new Date();
    case "date":
      return "2020-01-01";
    case "jsonb":
    case "json":
      return "[]";
    case "bytea":
      return Buffer.from([serial % 256]);
    case "inet":
      return "127.0.0.1";
    default:
      return `v${serial}`;
  }
}

async function counts(db: Kysely<unknown>, tables: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const t of tables) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(t)}`.execute(db);
    out.set(t, rows[0]!.n);
  }
  return out;
}

test("every migration applies, one by one, over the rows of the step before; none is lost", {
  timeout: 240_000,
}, async () => {
  const db = database.db as unknown as Kysely<unknown>;
  const provider = { getMigrations: async () => migrations };
  const names = Object.keys(migrations).sort();
  assert.ok(names.length >= 4);
  let before = new Map<string, number>();
  for (const name of names) {
    const { error, results } = await new Migrator({ db, provider }).migrateTo(name);
    const failed = results?.find((r) => r.status === "Error");
    assert.ok(
      !error && !failed,
      `migration ${name} failed over the data of the step before: ${String(error)}`,
    );
    const after = await counts(db, [...before.keys()]);
    for (const [table, n] of before) assert.ok((after.get(table) ?? 0) >= n, `${name} lost rows of ${table}`);
    before = await fillEveryTable(db);
  }
});

/** Table → column → nullable, read from the `Database` interface of src/platform/schema.ts. */
function typedColumns(): Map<string, Map<string, boolean>> {
  const file = join(import.meta.dirname, "../src/platform/schema.ts");
  const root = join(import.meta.dirname, "..");
  const { config } = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram([file], options);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const database = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === "Database",
  )!;
  const out = new Map<string, Map<string, boolean>>();
  for (const table of checker.getTypeAtLocation(database).getProperties()) {
    const columns = new Map<string, boolean>();
    for (const column of checker.getTypeOfSymbol(table).getProperties()) {
      const type = checker.getTypeOfSymbol(column);
      const parts = type.isUnion() ? type.types : [type];
      // Kysely's ColumnType<S, I, U> is { __select__: S, … }: what a select returns decides nullability.
      const selected = parts.flatMap((p) => {
        const s = p.getProperty("__select__");
        const t = s ? checker.getTypeOfSymbol(s) : p;
        return t.isUnion() ? t.types : [t];
      });
      columns.set(
        column.name,
        selected.some((p) => (p.flags & ts.TypeFlags.Null) !== 0),
      );
    }
    out.set(table.name, columns);
  }
  return out;
}

test("the Kysely types match the database: same tables, same columns, same nullability", async () => {
  const db = database.db as unknown as Kysely<unknown>;
  await new Migrator({ db, provider: { getMigrations: async () => migrations } }).migrateToLatest();
  const actual = new Map<string, Map<string, boolean>>();
  for (const c of await columns(db)) {
    if (!actual.has(c.table)) actual.set(c.table, new Map());
    actual.get(c.table)!.set(c.column, c.nullable);
  }
  const typed = typedColumns();
  const describe = (m: Map<string, Map<string, boolean>>) =>
    Object.fromEntries(
      [...m.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([t, cols]) => [t, [...cols.entries()].sort().map(([c, n]) => `${c}${n ? "?" : ""}`)]),
    );
  assert.deepEqual(describe(typed), describe(actual));
});
