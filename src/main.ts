// `npm start`: the whole system in one process, on embedded PGlite unless DATABASE_URL is set.
// `npm run start:web` (ROLE=web) serves HTTP without jobs; `npm run start:worker` (ROLE=worker) runs the
// jobs and answers only /healthz and /readyz on PORT, for the orchestrator. Every role also serves the
// internal listener on OPS_PORT/OPS_HOST: /metrics, /docs, /docs/json, /healthz, /readyz.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { t } from "./messages/index.ts";
import { runForCli } from "./operator-commands.ts";
import { serveCliSocket } from "./platform/cli-socket.ts";
import { ConfigError, loadConfig, urlAuthority, withConfigFile } from "./platform/config.ts";
import { DataDirInUse } from "./platform/data-dir-lock.ts";
import { releaseMemory, releaseMemoryWhenIdle } from "./platform/memory-release.ts";
import { within } from "./platform/shutdown.ts";
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
/** Past SHUTDOWN_GRACE_MS, the time the bounded closes may take before the process exits regardless. */
const SHUTDOWN_MARGIN_MS = 5_000;

const started = performance.now();
const system = await startSystem({ config }).catch((error) => {
  if (!(error instanceof DataDirInUse)) throw error;
  console.error(`Hoviat: ${error.message}`);
  process.exit(1);
});
let address: string;
const ownServers: Server[] = [];
if (config.role === "worker") {
  const health = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0]!;
    if (request.method !== "GET" || !HEALTH_ROUTES.has(path)) return response.writeHead(404).end();
    system.app.inject({ method: "GET", url: path }).then(
      (answer) =>
        response.writeHead(answer.statusCode, answer.headers as Record<string, string>).end(answer.body),
      () => response.writeHead(500).end(),
    );
  });
  await listening(
    "PORT",
    config.port,
    config.host,
    () =>
      new Promise<void>((resolve, reject) => {
        health.once("error", reject);
        health.listen(config.port, config.host, resolve);
      }),
  );
  ownServers.push(health);
  address = `http://${urlAuthority(config.host, (health.address() as AddressInfo).port)}`;
} else {
  address = await listening("PORT", config.port, config.host, () =>
    system.app.listen({ port: config.port, host: config.host }),
  );
}
// On the embedded default the CLI cannot open the data folder this process holds: it asks here.
const cliSocket = config.databaseUrl
  ? null
  : await serveCliSocket(config.dataDir, runForCli(system.db, config), system.logger);
const opsAddress = await listening("OPS_PORT", config.opsPort, config.opsHost, () =>
  system.ops.listen({ port: config.opsPort, host: config.opsHost }),
);
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
    if (closing) {
      system.logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    stopReleasing();
    cliSocket?.close();
    const graceMs = config.shutdownGraceMs;
    const began = performance.now();
    system.logger.info({ signal, graceMs }, "shutting down: draining HTTP and jobs");
    // The last resort, whatever still hangs (a file request, a database that never answers): every
    // step below is bounded already, so this fires only if one of those bounds failed.
    setTimeout(() => {
      system.logger.error({ ms: Math.round(performance.now() - began) }, "shutdown overran: exiting");
      process.exit(1);
    }, graceMs + SHUTDOWN_MARGIN_MS).unref();
    // HTTP first (no new work), then the jobs in flight, then the database.
    system.close({ graceMs, servers: ownServers }).then(
      () => {
        system.logger.info({ ms: Math.round(performance.now() - began) }, "shut down");
        process.exit(0);
      },
      (err) => {
        system.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}

/**
 * `listen()`, or for a port that is taken (or not ours to take) one line naming the setting, in
 * Persian and English, no stack trace, and exit 1.
 */
async function listening<T>(
  setting: "PORT" | "OPS_PORT",
  port: number,
  host: string,
  listen: () => Promise<T>,
) {
  try {
    return await listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const key = { EADDRINUSE: "startup.portInUse", EACCES: "startup.portRefused" }[code];
    const hostKey = code === "EADDRNOTAVAIL" || code === "ENOTFOUND" ? "startup.hostUnknown" : undefined;
    const message = key ?? hostKey;
    if (!message) throw error;
    const params = {
      setting,
      port: String(port),
      host,
      hostSetting: setting === "PORT" ? "HOST" : "OPS_HOST",
    };
    console.error(`Hoviat: ${t("fa", message, params)} | ${t("en", message, params)}`);
    await within(system.close({ graceMs: 0 }), SHUTDOWN_MARGIN_MS);
    process.exit(1);
  }
}
