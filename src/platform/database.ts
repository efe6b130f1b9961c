// One code path for both databases: the app always speaks the PostgreSQL wire protocol through `pg`.
// Embedded mode starts PGlite in DATA_DIR and serves it on a loopback socket to a one-connection pool,
// because PGlite is a single session (see docs/decisions/001-embedded-pglite.md).
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { lockDataDir } from "./data-dir-lock.ts";
import type { Database } from "./schema.ts";

// int8 (counts, bigserial) as JS numbers: every one we read fits in 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export type Db = Kysely<Database>;

export type DatabaseHandle = {
  db: Db;
  pool: pg.Pool;
  embedded: boolean;
  close(): Promise<void>;
};

export type DatabaseOptions = {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Pool size on PostgreSQL (embedded is always 1). */
  poolSize?: number;
  /** An idle connection that dies (a database restart) is reported here instead of crashing the process. */
  onError?: (error: Error) => void;
};

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
    pool.on("error", (error) => options.onError?.(error));
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
    lite = await PGlite.create(options.dataDir);
  } catch (error) {
    release();
    throw error;
  }
  const server = new PGLiteSocketServer({ db: lite, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const [host, port] = server.getServerConn().split(":");
  const pool = new pg.Pool({
    host,
    port: Number(port),
    user: "postgres",
    database: "postgres",
    max: 1,
    // The one connection lives as long as the process: a reconnect would race the socket server.
    idleTimeoutMillis: 0,
  });
  pool.on("error", (error) => options.onError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    pool,
    embedded: true,
    async close() {
      await db.destroy();
      await server.stop();
      await lite.close();
      release();
    },
  };
}
