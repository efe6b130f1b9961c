// Hoviat as real processes (src/main.ts) for the operations tests: a database of their own, free
// loopback ports, output captured line by line, readiness awaited, signals sent.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshPostgres, seedDataDir, TEMPLATE_DB } from "./helpers/template.ts";

export type FreshDatabase = { env: Record<string, string>; url: string | undefined; drop(): Promise<void> };

/**
 * A new PostgreSQL database when DATABASE_URL is set, else a PGlite folder: migrated, a copy of the
 * run's template (test/helpers/template.ts) when there is one, or with `empty` (or no template)
 * nothing at all, for the processes to initdb and migrate themselves.
 */
export async function freshDatabase(options: { empty?: boolean } = {}): Promise<FreshDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), "hoviat-ops-"));
    if (!options.empty) seedDataDir(dir);
    return {
      env: { DATA_DIR: dir },
      url: undefined,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const database = await freshPostgres(base, options.empty ? undefined : process.env[TEMPLATE_DB]);
  return { env: { DATABASE_URL: database.url }, url: database.url, drop: database.drop };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type HoviatProcess = {
  url: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** Starts `node src/main.ts`, or with `command` another one (e.g. `npm start`). */
export async function startHoviat(
  env: Record<string, string>,
  command: string[] = [process.execPath, "src/main.ts"],
): Promise<HoviatProcess> {
  const port = await freePort();
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      ...process.env,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      CI: "1",
      HOST: "127.0.0.1",
      PORT: String(port),
      // Many instances on one machine: each takes a free internal port.
      OPS_PORT: "0",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Hoviat exited while starting:\n${output}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`Hoviat did not become healthy:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => output,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
