// `npm start`: the whole system in one process, on embedded PGlite unless DATABASE_URL is set.
// `npm run start:web` (ROLE=web) serves HTTP without jobs; `npm run start:worker` (ROLE=worker) runs the
// jobs and answers only /healthz and /readyz on PORT, for the orchestrator. Every role also serves the
// internal listener on OPS_PORT/OPS_HOST: /metrics, /docs, /docs/json, /healthz, /readyz.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError, loadConfig, withConfigFile } from "./platform/config.ts";
import { DataDirInUse } from "./platform/data-dir-lock.ts";
import { releaseMemory, releaseMemoryWhenIdle } from "./platform/memory-release.ts";
import { startSystem } from "./system.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(withConfigFile());
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Hoviat: configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const HEALTH_ROUTES = new Set(["/healthz", "/readyz"]);

const started = performance.now();
const system = await startSystem({ config }).catch((error) => {
  if (!(error instanceof DataDirInUse)) throw error;
  console.error(`Hoviat: ${error.message}`);
  process.exit(1);
});
let address: string;
let closeOps = async () => {};
if (config.role === "worker") {
  const ops = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    if (request.method !== "GET" || !HEALTH_ROUTES.has(path)) return response.writeHead(404).end();
    system.app.inject({ method: "GET", url: path }).then(
      (answer) =>
        response.writeHead(answer.statusCode, answer.headers as Record<string, string>).end(answer.body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => ops.listen(config.port, config.host, resolve));
  address = `http://${config.host}:${(ops.address() as AddressInfo).port}`;
  closeOps = () => new Promise((resolve) => ops.close(() => resolve()));
} else {
  address = await system.app.listen({ port: config.port, host: config.host });
}
const opsAddress = await system.ops.listen({ port: config.opsPort, host: config.opsHost });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
// Start-up's garbage given back now, and again whenever the process falls idle after work.
const releasePauseMs = Math.round(releaseMemory());
const stopReleasing = releaseMemoryWhenIdle({
  onRelease: (pauseMs) => system.logger.debug({ pauseMs: Math.round(pauseMs) }, "idle: memory released"),
});
system.logger.info(
  {
    role: config.role,
    worker: config.worker,
    database: config.databaseUrl ? "postgresql" : `embedded PGlite in ${config.dataDir}`,
    seconds,
    releasePauseMs,
    ops: opsAddress,
  },
  `Hoviat is listening on ${address} (metrics and docs on ${opsAddress})`,
);
if (!process.env.CI && config.role !== "worker") {
  const outbox = config.smsProviders.includes("outbox") ? `\n  Dev outbox: ${address}/dev/outbox` : "";
  console.log(
    `\n  Hoviat (هویت) is ready: ${address}${outbox}\n  Metrics and API docs: ${opsAddress}/docs\n`,
  );
}

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    stopReleasing();
    system.logger.info({ signal }, "shutting down: draining HTTP and jobs");
    // HTTP first (no new work), then the jobs in flight, then the database.
    Promise.all([closeOps(), system.close()]).then(
      () => process.exit(0),
      (err) => {
        system.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
