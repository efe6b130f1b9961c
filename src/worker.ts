// The background side: verification and courier jobs, and the sweeper that keeps durable work moving.
import type { Logger } from "pino";
import { type CourierDeps, SEND_LEASE_MS, SEND_QUEUE, sendMessages } from "./flows/courier/courier.ts";
import { prunePasskeyChallenges } from "./flows/passkeys/webauthn.ts";
import {
  expireRequests,
  VERIFY_LEASE_MS,
  VERIFY_QUEUE,
  type VerifyDeps,
  verifyRegistrations,
} from "./flows/registration/verification-job.ts";
import { pruneStaffSessions } from "./flows/staff/sessions.ts";
import type { Jobs, QueueSpec } from "./platform/jobs.ts";
import { maintainPartitions, type Retention } from "./platform/partitions.ts";
import { type DueWork, dispatchDue, releasingCutWork } from "./platform/sweeper.ts";
import type { ThrottleStore } from "./platform/throttle.ts";

export const QUEUES = {
  verify: { name: VERIFY_QUEUE, batchSize: 20, expireInSeconds: 120 },
  send: { name: SEND_QUEUE, batchSize: 20, expireInSeconds: 60 },
} satisfies Record<string, QueueSpec>;

/** The rows the sweeper keeps moving, each with its queue and the lease a handed-out row is given. */
const DUE = {
  verify: {
    table: "registration_requests",
    activeStatus: "pending",
    queue: VERIFY_QUEUE,
    leaseMs: VERIFY_LEASE_MS,
  },
  send: { table: "messages", activeStatus: "queued", queue: SEND_QUEUE, leaseMs: SEND_LEASE_MS },
} satisfies Record<string, DueWork>;

export type WorkerDeps = {
  jobs: Jobs;
  verify: VerifyDeps;
  courier: CourierDeps;
  logger: Logger;
  throttles: ThrottleStore;
  sweepIntervalMs: number;
  retention: Retention;
};

/** Partitions change once a month: their upkeep runs at the first sweep, then once an hour of the clock. */
const PARTITION_UPKEEP_MS = 3_600_000;

export type Worker = { sweep(): Promise<void>; stop(): void };

export async function startWorker(deps: WorkerDeps): Promise<Worker> {
  const { jobs, verify, courier } = deps;
  // Each queue's handler takes the ids of its rows; a batch cut by the database releases them.
  const handlers = [
    [QUEUES.verify, DUE.verify, (ids: string[]) => verifyRegistrations(verify, ids)],
    [QUEUES.send, DUE.send, (ids: string[]) => sendMessages(courier, ids)],
  ] as const;
  for (const [queue, due, handle] of handlers) {
    await jobs.workBatch<{ id: string }>(
      queue,
      releasingCutWork(verify.db, due, verify.clock, (batch) => handle(batch.map((job) => job.data.id))),
    );
  }

  let upkeptAt: number | undefined;
  const sweep = async () => {
    const now = verify.clock.now();
    if (upkeptAt === undefined || Math.abs(now.getTime() - upkeptAt) >= PARTITION_UPKEEP_MS) {
      const reports = await maintainPartitions(verify.db, now, deps.retention);
      upkeptAt = now.getTime();
      for (const r of reports)
        if (r.created.length || r.dropped.length || r.purged)
          deps.logger.info({ ...r }, "partitions maintained");
    }
    await expireRequests(verify.db, now, verify.expiryHours);
    await dispatchDue(verify.db, jobs, DUE.verify, now);
    await dispatchDue(verify.db, jobs, DUE.send, now);
    await deps.throttles.prune(now);
    await pruneStaffSessions(verify.db, now);
    await prunePasskeyChallenges(verify.db, now);
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((err) => deps.logger.error({ err }, "sweep failed"))
      .finally(() => {
        running = false;
      });
  }, deps.sweepIntervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
