// Instances starting at the same moment on one PostgreSQL deadlock inside pg-boss's createQueue (each
// alters the same tables); one advisory lock makes their start-up steps take turns. It is held by a
// transaction, not a session, so that it also works through pgbouncer in transaction mode (which pins a
// server connection for a transaction's length, never for a session's; see decision 011).
// Embedded PGlite is one process with one connection: nothing to take turns with.
import type { DatabaseHandle } from "./database.ts";

const STARTUP_LOCK = 4_842_001; // any constant of our own; pg advisory locks are keyed by a bigint

export async function withStartupLock<T>(database: DatabaseHandle, step: () => Promise<T>): Promise<T> {
  if (database.embedded) return step();
  const connection = await database.pool.connect();
  let broken: Error | undefined;
  try {
    await connection.query("begin");
    await connection.query("select pg_advisory_xact_lock($1)", [STARTUP_LOCK]);
    return await step();
  } finally {
    // The lock ends with the transaction; a connection that cannot end it is dropped, not reused.
    await connection.query("commit").catch((error: Error) => {
      broken = error;
    });
    connection.release(broken);
  }
}
