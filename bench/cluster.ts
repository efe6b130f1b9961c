// A private PostgreSQL cluster for the fault campaign and the soak: initdb in a temporary folder, its
// own loopback port, started and stopped by us alone (the shared server on 5432 is never touched).
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./lib.ts";

function pgBin(name: string): string {
  const versions = readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const path = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} not found under /usr/lib/postgresql/*/bin`);
}

/** initdb refuses to run as root: as root, the cluster's programs run as the postgres user. */
function asPostgres(program: string, args: string[]): string[] {
  return process.getuid?.() === 0
    ? ["runuser", "-u", "postgres", "--", pgBin(program), ...args]
    : [pgBin(program), ...args];
}

function run(program: string, args: string[], timeoutMs = 60_000): string {
  const [cmd, ...rest] = asPostgres(program, args);
  return execFileSync(cmd!, rest, {
    encoding: "utf8",
    timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export type Cluster = {
  port: number;
  /** postgres://…/<name> on this cluster. */
  url(name?: string): string;
  createDatabase(name: string): Promise<string>;
  terminateAll(name: string): Promise<number>;
  /** pg_ctl restart -m fast: every session ends, the server is down for its restart. */
  restart(): void;
  stop(): void;
};

export async function startCluster(): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), "hoviat-cluster-"));
  if (process.getuid?.() === 0)
    chownSync(
      root,
      Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" })),
      Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" })),
    );
  const data = join(root, "data");
  const port = await freePort();
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`;
  const ctl = (...args: string[]) =>
    run("pg_ctl", ["-D", data, "-l", join(root, "server.log"), "-o", options, "-w", ...args]);
  ctl("start");
  const url = (name = "postgres") => `postgres://postgres@127.0.0.1:${port}/${name}`;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url() });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    port,
    url,
    async createDatabase(name) {
      await admin((c) => c.query(`create database ${name}`));
      return url(name);
    },
    terminateAll: (name) =>
      admin(async (c) => {
        const r = await c.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
          [name],
        );
        return r.rowCount ?? 0;
      }),
    restart: () => {
      ctl("restart", "-m", "fast");
    },
    stop: () => {
      try {
        ctl("stop", "-m", "immediate");
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** A private redis-server on its own port, without persistence. */
export async function startRedis(): Promise<{
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}> {
  const port = await freePort();
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, "127.0.0.1", () => {
          s.end();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("redis-server did not start");
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    async stop() {
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
