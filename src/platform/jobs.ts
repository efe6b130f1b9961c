// Background jobs on pg-boss, in the same database. In embedded mode pg-boss shares the app's single
// connection (PGlite is one session); on PostgreSQL it has a pool of its own.
import { CompiledQuery, type RawBuilder, sql, type Transaction } from "kysely";
import type pg from "pg";
import PgBoss from "pg-boss";
import type { Database } from "./schema.ts";
import { TIMED_OUT, within } from "./shutdown.ts";

/** How often an idle worker polls its queue; submissions also wake the local worker directly. */
const POLL_MS = 500;
// pg-boss's options type omits the pg.Pool settings it passes through; a database that does not answer
// fails the poll after 5 s instead of hanging it.
const CONNECT_TIMEOUT = { connectionTimeoutMillis: 5_000 };
const SCHEMA = "pgboss";

export type JobHandler<T> = (data: T, job: { id: string }) => Promise<void>;
/** Handles a fetched batch at once; one settled result per job, in the batch's order. */
export type BatchHandler<T> = (jobs: { id: string; data: T }[]) => Promise<PromiseSettledResult<unknown>[]>;

export type QueueSpec = { name: string; batchSize: number; expireInSeconds: number };

export class Jobs {
  readonly boss: PgBoss;
  private readonly workers = new Map<string, { wake(): void; done: Promise<void> }>();
  private readonly onError: (error: Error) => void;
  private stopping = false;

  constructor(options: {
    pool: pg.Pool;
    embedded: boolean;
    databaseUrl?: string | undefined;
    /** pg-boss's own errors (its pool losing the database, a failed poll): reported, never thrown. */
    onError?: (error: Error) => void;
  }) {
    const common = {
      schema: SCHEMA,
      monitorStateIntervalSeconds: 60,
      maintenanceIntervalSeconds: 120,
    };
    this.boss =
      options.embedded || !options.databaseUrl
        ? new PgBoss({ ...common, db: { executeSql: (text, values) => options.pool.query(text, values) } })
        : // pg-boss 10's pool re-emits pool errors as the boss's 'error' and runs every statement
          // through pool.query, which covers the client for the query's length.
          new PgBoss({ ...common, connectionString: options.databaseUrl, max: 4, ...CONNECT_TIMEOUT });
    // Listening from the start: an 'error' with no listener would end the process.
    this.onError = (error) => options.onError?.(error);
    this.boss.on("error", this.onError);
  }

  async start(queues: QueueSpec[]): Promise<void> {
    await this.boss.start();
    for (const q of queues) {
      await this.boss.createQueue(q.name, {
        name: q.name,
        retryLimit: 5,
        retryDelay: 2,
        retryBackoff: true,
        expireInSeconds: q.expireInSeconds,
      });
    }
  }

  /**
   * Enqueue inside the caller's transaction: the job exists if and only if the transaction commits.
   * `startAfter`: not handed out before then (a retry due in a second).
   */
  async sendInTransaction(
    trx: Transaction<Database>,
    name: string,
    data: object,
    options: { startAfter?: Date } = {},
  ): Promise<void> {
    await this.boss.send(name, data, {
      ...options,
      db: {
        executeSql: async (text, values) => {
          const result = await trx.executeQuery(CompiledQuery.raw(text, values));
          return { rows: result.rows as unknown[] };
        },
      },
    });
  }

  /**
   * A job for each row of `from` (a CTE of the caller's statement with an `id` column), data `{ id }`:
   * the job is written by the statement that writes its row, one round trip instead of two. The
   * columns are those pg-boss's send() derives from the queue when no job options are given
   * (plans.insertJob in pg-boss 10); test/jobs.test.ts compares the two rows, so an upgrade that
   * changes them fails there.
   */
  insertFrom(name: string, from: string): RawBuilder<unknown> {
    return sql`insert into ${sql.table(`${SCHEMA}.job`)} (id, name, data, priority, start_after, dead_letter,
        expire_in, keep_until, retry_limit, retry_delay, retry_backoff, policy)
      select gen_random_uuid(), q.name, jsonb_build_object('id', f.id), 0, now(), q.dead_letter,
        coalesce(q.expire_seconds * interval '1s', interval '15 minutes'),
        now() + cast(coalesce((q.retention_minutes * 60)::text, '14 days') as interval),
        coalesce(q.retry_limit, 2),
        case when coalesce(q.retry_backoff, false) then greatest(q.retry_delay, 1)
          else coalesce(q.retry_delay, 0) end,
        coalesce(q.retry_backoff, false), q.policy
      from ${sql.table(from)} f join ${sql.table(`${SCHEMA}.queue`)} q on q.name = ${name}
      on conflict do nothing
      returning id`;
  }

  /** One handler call per job; see workBatch. */
  async work<T>(spec: QueueSpec, handler: JobHandler<T>): Promise<void> {
    await this.workBatch<T>(spec, (jobs) => Promise.allSettled(jobs.map((job) => handler(job.data, job))));
  }

  /**
   * Each job of a batch settles on its own; a handler's error fails that job alone (it is retried).
   * Our own fetch loop rather than pg-boss's work(): that one completes a batch without awaiting it,
   * so a database lost at that moment is an unhandled rejection, which ends the process. Here every
   * statement is awaited; a completion that fails leaves the job active until it expires and is
   * handed out again, and the handlers are idempotent (a decided request is not decided twice).
   */
  async workBatch<T>(spec: QueueSpec, handler: BatchHandler<T>): Promise<void> {
    // A nudge while a batch runs is remembered, so the loop fetches again instead of idling.
    let nudged = false;
    let wake = () => {
      nudged = true;
    };
    const loop = async () => {
      while (!this.stopping) {
        nudged = false;
        let fetched = 0;
        try {
          const jobs = await this.boss.fetch<T>(spec.name, { batchSize: spec.batchSize });
          fetched = jobs.length;
          if (jobs.length) await this.runBatch(spec, jobs, handler);
        } catch (error) {
          this.onError(error as Error);
        }
        // A full batch means more are waiting; otherwise idle until the next poll or a nudge.
        if (this.stopping || nudged || fetched >= spec.batchSize) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, POLL_MS);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = () => {
          nudged = true;
        };
      }
    };
    this.workers.set(spec.name, { wake: () => wake(), done: loop() });
  }

  private async runBatch<T>(spec: QueueSpec, jobs: PgBoss.Job<T>[], handler: BatchHandler<T>): Promise<void> {
    const outcomes = await handler(jobs.map((job) => ({ id: job.id, data: job.data }))).catch((error) =>
      jobs.map((): PromiseSettledResult<unknown> => ({ status: "rejected", reason: error })),
    );
    const done: string[] = [];
    for (const [i, job] of jobs.entries()) {
      const outcome = outcomes[i];
      if (outcome?.status === "fulfilled") done.push(job.id);
      else await this.boss.fail(spec.name, job.id, { message: String(outcome?.reason ?? "no outcome") });
    }
    if (done.length) await this.boss.complete(spec.name, done);
  }

  /** Wakes this process's worker for a queue now instead of at its next poll. */
  nudge(name: string): void {
    this.workers.get(name)?.wake();
  }

  /**
   * The jobs in flight finish until `deadline` (a Date.now() time; default in 10 s); one cut short is
   * handed out again after its expiry. pg-boss's own stop ends its pool, which waits for every client
   * checked out: bounded too, by `closeMs`.
   */
  async stop(deadline = Date.now() + 10_000, closeMs = 2_000): Promise<void> {
    this.stopping = true;
    const loops = [...this.workers.values()];
    for (const w of loops) w.wake();
    await within(Promise.all(loops.map((w) => w.done)), deadline - Date.now());
    const stopped = await within(this.boss.stop({ graceful: false, close: true, wait: true }), closeMs);
    if (stopped === TIMED_OUT) this.onError(new Error(`job queue did not stop within ${closeMs} ms`));
  }
}
