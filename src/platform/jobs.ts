// Background jobs on pg-boss, in the same database. In embedded mode pg-boss shares the app's single
// connection (PGlite is one session); on PostgreSQL it has a pool of its own.
import { CompiledQuery, type Transaction } from "kysely";
import type pg from "pg";
import PgBoss from "pg-boss";
import type { Database } from "./schema.ts";

export type JobHandler<T> = (data: T, job: { id: string }) => Promise<void>;

export type QueueSpec = { name: string; batchSize: number; expireInSeconds: number };

export class Jobs {
  readonly boss: PgBoss;
  private readonly workers = new Map<string, string>();

  constructor(options: { pool: pg.Pool; embedded: boolean; databaseUrl?: string | undefined }) {
    const common = {
      schema: "pgboss",
      // pg-boss polls; 0.5 s is its floor. Submissions also wake the local worker directly.
      pollingIntervalSeconds: 0.5,
      monitorStateIntervalSeconds: 60,
      maintenanceIntervalSeconds: 120,
    };
    this.boss =
      options.embedded || !options.databaseUrl
        ? new PgBoss({ ...common, db: { executeSql: (text, values) => options.pool.query(text, values) } })
        : new PgBoss({ ...common, connectionString: options.databaseUrl, max: 4 });
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

  /** Enqueue inside the caller's transaction: the job exists if and only if the transaction commits. */
  async sendInTransaction(trx: Transaction<Database>, name: string, data: object): Promise<void> {
    await this.boss.send(name, data, {
      db: {
        executeSql: async (text, values) => {
          const result = await trx.executeQuery(CompiledQuery.raw(text, values));
          return { rows: result.rows as unknown[] };
        },
      },
    });
  }

  /** Each job of a batch runs on its own; a handler's error fails that job alone (it is retried). */
  async work<T>(spec: QueueSpec, handler: JobHandler<T>): Promise<void> {
    const id = await this.boss.work<T>(spec.name, { batchSize: spec.batchSize }, async (jobs) => {
      const outcomes = await Promise.allSettled(jobs.map((job) => handler(job.data, { id: job.id })));
      for (const [i, outcome] of outcomes.entries()) {
        const job = jobs[i];
        if (outcome.status === "rejected" && job) {
          // Failed before the batch completes: pg-boss then completes only the jobs still active.
          await this.boss.fail(spec.name, job.id, { message: String(outcome.reason) });
        }
      }
      // pg-boss idles a polling interval after every batch; a full batch means more are waiting.
      if (jobs.length >= spec.batchSize) this.nudge(spec.name);
    });
    this.workers.set(spec.name, id);
  }

  /** Wakes this process's worker for a queue now instead of at its next poll. */
  nudge(name: string): void {
    const id = this.workers.get(name);
    if (id) this.boss.notifyWorker(id);
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, close: true, timeout: 10_000, wait: true });
  }
}
