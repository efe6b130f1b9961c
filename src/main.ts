// `npm start`: the whole system in one process, on embedded PGlite unless DATABASE_URL is set.
import { ConfigError, loadConfig } from "./platform/config.ts";
import { startSystem } from "./system.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Hoviat: configuration error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const started = performance.now();
const system = await startSystem({ config });
const address = await system.app.listen({ port: config.port, host: config.host });
const seconds = ((performance.now() - started) / 1000).toFixed(1);
system.logger.info(
  { database: config.databaseUrl ? "postgresql" : `embedded PGlite in ${config.dataDir}`, seconds },
  `Hoviat is listening on ${address}`,
);
if (!process.env.CI)
  console.log(`\n  Hoviat (هویت) is ready: ${address}\n  Dev outbox: ${address}/api/dev/outbox\n`);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    system.logger.info({ signal }, "shutting down: draining HTTP and jobs");
    system.close().then(
      () => process.exit(0),
      (err) => {
        system.logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
