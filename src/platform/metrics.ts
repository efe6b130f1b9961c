// Prometheus metrics at /metrics (prom-client), and /readyz. Counts that live in the database (requests
// by status, queued jobs, messages by status) are read at scrape time, so every instance reports the
// same truth; what only a process sees (latency, SMS calls, login failures) is counted in the process.
import { sql } from "kysely";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { DeliveryFailed, type OutgoingSms, type SmsSender } from "../ports/sms.ts";
import type { Db } from "./database.ts";
import type { Http } from "./http.ts";
import type { Jobs } from "./jobs.ts";

export function createMetrics(db: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hoviat_" });
  const gaugeFromDb = (name: string, help: string, labels: string[], query: () => Promise<void>) =>
    new Gauge({ name, help, labelNames: labels, registers: [registry], collect: query });

  const requests: Gauge = gaugeFromDb(
    "hoviat_registration_requests",
    "Registration requests by status (outcome), all instances",
    ["status"],
    async () => {
      const rows = await db
        .selectFrom("registration_requests")
        .select(["status", sql<number>`count(*)::int`.as("n")])
        .groupBy("status")
        .execute();
      requests.reset();
      for (const row of rows) requests.set({ status: row.status }, row.n);
    },
  );
  const queue: Gauge = gaugeFromDb(
    "hoviat_queue_depth",
    "Jobs waiting in each queue (created or waiting to retry)",
    ["queue"],
    async () => {
      const { rows } = await sql<{ name: string; n: number }>`
        select name, count(*)::int as n from pgboss.job where state in ('created', 'retry') group by name`.execute(
        db,
      );
      queue.reset();
      for (const row of rows) queue.set({ queue: row.name }, row.n);
    },
  );
  const messages: Gauge = gaugeFromDb(
    "hoviat_messages",
    "Outgoing messages by channel and status (queued, sent, abandoned), all instances",
    ["channel", "status"],
    async () => {
      const rows = await db
        .selectFrom("messages")
        .select(["channel", "status", sql<number>`count(*)::int`.as("n")])
        .groupBy(["channel", "status"])
        .execute();
      messages.reset();
      for (const row of rows) messages.set({ channel: row.channel, status: row.status }, row.n);
    },
  );
  return {
    registry,
    httpDuration: new Histogram({
      name: "hoviat_http_request_duration_seconds",
      help: "HTTP request latency by route",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    smsSent: new Counter({
      name: "hoviat_sms_sent_total",
      help: "SMS accepted by a gateway, by provider",
      labelNames: ["provider"],
      registers: [registry],
    }),
    smsFailed: new Counter({
      name: "hoviat_sms_failed_total",
      help: "SMS send attempts refused or failed, by provider and whether a retry may help",
      labelNames: ["provider", "retryable"],
      registers: [registry],
    }),
    messagesAbandoned: new Counter({
      name: "hoviat_messages_abandoned_total",
      help: "Messages given up: refused for good by the gateway, their code expired before they could be sent, or out of tries",
      labelNames: ["channel", "reason"],
      registers: [registry],
    }),
    loginFailures: new Counter({
      name: "hoviat_login_failures_total",
      help: "Refused logins: wrong_credentials (401), not_active (403: inactive, or the failure cap), challenge_required (429)",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The SMS port, counted. `name` stays the inner sender's, read after each send (see FailoverSms). */
export function countedSms(inner: SmsSender, metrics: Metrics): SmsSender {
  return {
    get name() {
      return inner.name;
    },
    async send(message: OutgoingSms) {
      try {
        await inner.send(message);
      } catch (error) {
        const retryable = !(error instanceof DeliveryFailed) || error.retryable;
        metrics.smsFailed.inc({ provider: inner.name, retryable: String(retryable) });
        throw error;
      }
      metrics.smsSent.inc({ provider: inner.name });
    },
  };
}

const LOGIN_FAILURE: Record<number, string> = {
  401: "wrong_credentials",
  403: "not_active",
  429: "challenge_required",
};

/** Hooks first, before any route exists, so that every route is observed. */
export function observeHttp(app: Http, metrics: Metrics): void {
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const reason = LOGIN_FAILURE[reply.statusCode];
    if (route === "/api/login" && request.method === "POST" && reason) metrics.loginFailures.inc({ reason });
  });
}

export type OpsDeps = { db: Db; jobs: Jobs; metrics: Metrics; redis?: { ping(): Promise<unknown> } };

/** /healthz and /readyz: on the public listener for orchestrators, and on the internal one. */
export function healthRoutes(app: Http, deps: OpsDeps): void {
  let queueRunning = true;
  deps.jobs.boss.on("stopped", () => {
    queueRunning = false;
  });
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const checks: Record<string, string> = { database: "ok", queue: queueRunning ? "ok" : "stopped" };
    try {
      await sql`select 1 from pgboss.version`.execute(deps.db);
    } catch {
      checks.database = "unreachable";
    }
    if (deps.redis) {
      checks.redis = await deps.redis.ping().then(
        () => "ok",
        () => "unreachable",
      );
    }
    const ready = Object.values(checks).every((c) => c === "ok");
    reply.status(ready ? 200 : 503);
    return { status: ready ? "ready" : "not_ready", checks };
  });
}

/** /metrics: the internal listener only (it tells an outsider the traffic and the queues). */
export function metricsRoute(app: Http, deps: OpsDeps): void {
  app.get("/metrics", async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
}
