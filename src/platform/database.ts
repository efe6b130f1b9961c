// One code path for both databases: the app always speaks the PostgreSQL wire protocol through `pg`.
// Embedded mode starts PGlite in DATA_DIR and gives a one-connection pool a stream into it in this
// process, because PGlite is a single session (see docs/decisions/001-embedded-pglite.md).
import { fork } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { lockDataDir } from "./data-dir-lock.ts";
import { EMBEDDED_CONF } from "./embedded-conf.ts";
import { PGliteStream } from "./embedded-stream.ts";
import type { Database } from "./schema.ts";

// int8 (counts, bigserial) as JS numbers: every one we read fits in 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type Db = Kysely<Database>;

/** Statement names by SQL text (`prepared`): a bounded set, the hot statements of fixed shape. */
const PREPARED = new Map<string, string>();
const MAX_PREPARED = 64;

/**
 * Marks a compiled statement to run as a named prepared statement: parsed and planned once per
 * connection instead of at every call (pg_stat_statements put planning at a fifth of a sign-in's
 * database time). For statements whose text never changes with their values, on the hot paths only;
 * run it with `db.executeQuery(prepared(…))`. Off with DATABASE_PREPARE=off (a pooler in transaction
 * mode older than PgBouncer 1.21 cannot carry named statements).
 */
export function prepared<R>(name: string, query: CompiledQuery<R>): CompiledQuery<R> {
  if (!PREPARED.has(query.sql) && PREPARED.size < MAX_PREPARED) {
    PREPARED.set(query.sql, `${name}.${PREPARED.size}`);
  }
  return query;
}

/** A pg client that sends the statements marked by `prepared` by name (pg prepares each once). */
class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this passes them on.
  override query(config: any, values?: any, callback?: any): any {
    const name = typeof config === "string" ? PREPARED.get(config) : undefined;
    if (name === undefined || typeof values === "function") return super.query(config, values, callback);
    return super.query({ name, text: config, values }, callback);
  }
}

export type DatabaseHandle = {
  db: Db;
  pool: pg.Pool;
  embedded: boolean;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  databaseUrl?: string | undefined;
  /** Named prepared statements for the statements marked by `prepared` (default true). */
  prepare?: boolean;
  dataDir: string;
  /** Pool size on PostgreSQL (embedded is always 1). */
  poolSize?: number;
  /** An idle connection that dies (a database restart) is reported here instead of crashing the process. */
  onError?: (error: Error) => void;
};

/**
 * SQLSTATE classes and socket codes that mean "the database went away" (or, 53100, its disk is full:
 * it takes no write until space is freed), not "the query was wrong": the client may try again later.
 */
const UNAVAILABLE_CODES = new Set([
  "53100",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "ECONNRESET",
  // A socket the kernel aborted (SOCK_DESTROY, `ss -K`; the campaign's cut of PGlite's loopback socket).
  "ECONNABORTED",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|not queryable|not currently accepting connections|timeout exceeded when trying to connect|Connection is closed|max retries per request/i;

/** True when `error` (or its cause) is the loss of the database connection: the caller should retry later. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 4) return false;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

/** Tries of a write that must not be lost to a dropped connection, 0.25 s apart doubling: ~8 s. */
export const WRITE_TRIES = 6;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `write` tried again while the database is away (a restart, a killed connection), up to WRITE_TRIES
 * times; any other error, or the last one, is thrown. `pause` waits between tries (tests: no sleep).
 */
export async function whileUnavailable<T>(write: () => Promise<T>, pause = sleep): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isDatabaseUnavailable(error) || attempt >= WRITE_TRIES) throw error;
      await pause(250 * 2 ** (attempt - 1));
    }
  }
}

/**
 * Every pool gets an error listener, and so does every client it makes: a checked-out client whose
 * server ends the session (57P01 on a restart or pg_terminate_backend) between two queries emits
 * 'error' with no listener of pg-pool's, which would crash the process. The pool drops the broken
 * client when it is released and connects afresh for the next query.
 */
export function guardPool(pool: pg.Pool, onError: (error: Error) => void): pg.Pool {
  pool.on("error", onError);
  pool.on("connect", (client) => client.on("error", onError));
  return pool;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const onError = (error: Error) => options.onError?.(error);
  if (options.databaseUrl) {
    const pool = guardPool(
      new pg.Pool({
        ...(options.prepare === false ? {} : { Client: PreparingClient }),
        connectionString: options.databaseUrl,
        max: options.poolSize ?? 10,
        // A database that does not answer at all (a partition) fails the request after 5 s, as a 503.
        connectionTimeoutMillis: 5_000,
        keepAlive: true,
      }),
      onError,
    );
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      pool,
      embedded: false,
      close: () => db.destroy(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const release = lockDataDir(options.dataDir);
  let lite: PGlite;
  try {
    if (!existsSync(join(options.dataDir, "PG_VERSION"))) await initInChild(options.dataDir);
    lite = await PGlite.create(options.dataDir, { postgresqlconf: EMBEDDED_CONF });
  } catch (error) {
    release();
    throw error;
  }
  // The one connection is a stream into PGlite in this process (embedded-stream.ts), not a socket.
  const pool = new pg.Pool({
    ...(options.prepare === false ? {} : { Client: PreparingClient }),
    stream: () => new PGliteStream(lite),
    user: "postgres",
    database: "postgres",
    max: 1,
    // The one connection lives as long as the process; a lost one is replaced by the next query.
    idleTimeoutMillis: 0,
  });
  guardPool(pool, onError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    embedded: true,
    async close() {
      await db.destroy();
      await lite.close();
      release();
    },
  };
}

/** initdb of a fresh data folder in a child process (embedded-initdb.ts), whose memory goes with it. */
function initInChild(dataDir: string): Promise<void> {
  return new Promise((ok, fail) => {
    // The loader flags (tsx) only: not the test runner's, the profiler's or the inspector's.
    const execArgv = process.execArgv.filter(
      (a, i, all) => a.startsWith("--import") || all[i - 1] === "--import",
    );
    const child = fork(join(import.meta.dirname, "embedded-initdb.ts"), [dataDir], {
      execArgv,
      stdio: "inherit",
    });
    child.on("error", fail);
    child.on("exit", (code, signal) =>
      code === 0 ? ok() : fail(new Error(`embedded initdb failed: ${signal ?? `exit ${code}`}`)),
    );
  });
}
