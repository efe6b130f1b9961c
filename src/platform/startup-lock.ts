// Instances starting at the same moment on one PostgreSQL deadlock inside pg-boss's createQueue (each
// alters the same tables); one session-level advisory lock makes their start-up steps take turns.
// Embedded PGlite is one process with one connection: nothing to take turns with.
import type { DatabaseHandle } from "./database.ts";

const STARTUP_LOCK = 4_842_001; // any constant of our own; pg advisory locks are keyed by a bigint

export async function withStartupLock<T>(database: DatabaseHandle, step: () => Promise<T>): Promise<T> {
  if (database.embedded) return step();
  const connection = await database.pool.connect();
  try {
    await connection.query("select pg_advisory_lock($1)", [STARTUP_LOCK]);
    try {
      return await step();
    } finally {
      await connection.query("select pg_advisory_unlock($1)", [STARTUP_LOCK]);
    }
  } finally {
    connection.release();
  }
}
