// The operator's commands while the embedded server runs (issue 21 item 8): PGlite is one process's
// (data-dir-lock.ts), so `npm run cli -- …` cannot open the data folder beside a running server. The
// server listens instead on a Unix socket in the data folder, readable and writable by its owner only
// (mode 0600, made so before anyone can connect); the CLI sends its arguments there and prints what
// the server's run of the same command says. One JSON line asks ({argv}); JSON lines answer ({log} or
// {error}, then {exit}). On PostgreSQL there is no socket: the CLI connects to the database itself.
import { chmodSync, existsSync, rmSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { join } from "node:path";
import type { Out } from "./cli-database.ts";

export const CLI_SOCKET = "cli.sock";

/** A socket path longer than this is refused by the kernel (sun_path is 108 bytes on Linux). */
const MAX_PATH = 100;

type Run = (argv: string[], out: Out) => Promise<number>;
type Log = { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

/**
 * Serves `run` on `<dataDir>/cli.sock` for the process that holds the data folder (any socket left
 * there is a dead server's). Null when the path is too long for a socket (the CLI then says the
 * server must be stopped, as before).
 */
export async function serveCliSocket(dataDir: string, run: Run, log: Log): Promise<Server | null> {
  const path = join(dataDir, CLI_SOCKET);
  if (Buffer.byteLength(path) > MAX_PATH) {
    log.warn({ path }, "data folder path too long for the CLI's socket: the CLI needs the server stopped");
    return null;
  }
  rmSync(path, { force: true });
  const server = createServer((socket) => {
    let received = "";
    const send = (message: object) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
    };
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\n");
      if (end < 0) {
        if (received.length > 64_000) socket.destroy();
        return;
      }
      socket.removeAllListeners("data");
      let argv: string[];
      try {
        const asked = JSON.parse(received.slice(0, end)) as { argv?: unknown };
        if (!Array.isArray(asked.argv) || !asked.argv.every((a) => typeof a === "string")) throw new Error();
        argv = asked.argv;
      } catch {
        send({ error: "unreadable request" });
        send({ exit: 2 });
        socket.end();
        return;
      }
      const out: Out = { log: (text) => send({ log: text }), error: (text) => send({ error: text }) };
      run(argv, out).then(
        (exit) => {
          send({ exit });
          socket.end();
        },
        (err: unknown) => {
          log.error({ err, command: argv[0] }, "CLI command failed");
          send({ error: `failed: ${err instanceof Error ? err.message : String(err)}` });
          send({ exit: 1 });
          socket.end();
        },
      );
    });
  });
  // Owner-only from its first moment: the mode comes from the umask at bind time.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, resolve);
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  server.unref();
  server.on("close", () => rmSync(path, { force: true }));
  return server;
}

/**
 * Hands `argv` to the server running on `dataDir` and prints its answer to `out`: the command's exit
 * code, or null when no server listens there (no socket, or a dead server's).
 */
export async function askRunningServer(dataDir: string, argv: string[], out: Out): Promise<number | null> {
  const path = join(dataDir, CLI_SOCKET);
  if (!existsSync(path)) return null;
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let connected = false;
    let exit: number | null = null;
    let buffered = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify({ argv })}\n`);
    });
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const message = JSON.parse(buffered.slice(0, end)) as { log?: string; error?: string; exit?: number };
        buffered = buffered.slice(end + 1);
        if (message.log !== undefined) out.log(message.log);
        if (message.error !== undefined) out.error(message.error);
        if (message.exit !== undefined) exit = message.exit;
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // Nobody listens: a server that was killed left its socket behind.
      if (!connected && (error.code === "ECONNREFUSED" || error.code === "ENOENT")) resolve(null);
      else reject(error);
    });
    socket.on("close", () => {
      if (connected) resolve(exit ?? 1);
    });
  });
}
