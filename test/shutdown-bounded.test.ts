// Issue 22 "Under pressure", as an operator meets it: shutdown is bounded, a taken port is one clear
// line, HOST=:: works. After SIGTERM a process drains for at most SHUTDOWN_GRACE_MS, then closes every
// connection and job and exits, whatever its clients do; a second signal exits at once. The clients
// here vanish: sockets that asked for far more than a socket buffer holds and never read it, and one
// that sent half a request. Before, they held the process up for 74 s (Node's header timeout).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { test } from "node:test";
import { ali } from "./helpers/people.ts";
import { httpCall, submitProved } from "./helpers/registration.ts";
import { onPostgres } from "./helpers/system.ts";
import { freePort, freshDatabase, type HoviatProcess, startHoviat } from "./ops-processes.ts";

const GRACE_MS = 1_000;
/** main.ts's hard stop comes at grace + 5 s; an orderly shutdown ends soon after the grace. */
const BOUND_MS = GRACE_MS + 5_000;
const on = onPostgres ? "PostgreSQL" : "PGlite";

/** Sockets that ask for the page script 50 times, pipelined, and never read; and half a request. */
async function vanishingClients(url: string): Promise<net.Socket[]> {
  const html = await (await fetch(url)).text();
  const asset = [...html.matchAll(/\/assets\/[^"']+\.js/g)].map((m) => m[0])[0];
  assert.ok(asset, "the page links its script");
  const port = Number(new URL(url).port);
  const open = async (request: string) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.pause();
    socket.write(request);
    return socket;
  };
  const sockets: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    sockets.push(await open(`GET ${asset} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`.repeat(50)));
  }
  sockets.push(
    await open("POST /api/registrations/tracking HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"),
  );
  // Until the server has read them all: an unread request would be an idle connection, closed at once.
  await new Promise((r) => setTimeout(r, 1_500));
  return sockets;
}

async function timedStop(server: HoviatProcess, signal: NodeJS.Signals = "SIGTERM") {
  const started = performance.now();
  const code = await server.stop(signal);
  return { code, ms: Math.round(performance.now() - started) };
}

test(`SIGTERM with clients that never read and a job in flight: exits after the grace, within ${BOUND_MS} ms (${on})`, async () => {
  const database = await freshDatabase();
  // A registry that takes a minute: the verification job is still running at SIGTERM.
  const server = await startHoviat({
    ...database.env,
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    REGISTRY_LATENCY_MS: "60000",
  });
  let sockets: net.Socket[] = [];
  try {
    assert.equal((await submitProved(httpCall(server.url), ali)).status, 202);
    sockets = await vanishingClients(server.url);
    const { code, ms } = await timedStop(server);
    console.log(`shutdown with vanishing clients and a job in flight (${on}): ${ms} ms, exit ${code}`);
    assert.equal(code, 0, server.output());
    assert.ok(ms >= GRACE_MS - 100, `the clients held it for the grace, not less: ${ms} ms`);
    assert.ok(ms < BOUND_MS, `${ms} ms\n${server.output()}`);
    assert.match(server.output(), /"msg":"shut down"/);
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop("SIGKILL");
    await database.drop();
  }
});

test("a second signal during the grace exits at once", async () => {
  const database = await freshDatabase();
  const server = await startHoviat({ ...database.env, SHUTDOWN_GRACE_MS: "60000" });
  const sockets = await vanishingClients(server.url);
  try {
    server.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    const { code, ms } = await timedStop(server, "SIGINT");
    console.log(`second signal: exit ${code} after ${ms} ms`);
    assert.equal(code, 1, server.output());
    // At once: no draining, no closing (a loaded 2-core machine takes a few hundred ms to deliver it).
    assert.ok(ms < 3_000, `${ms} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop("SIGKILL");
    await database.drop();
  }
});

/** Runs src/main.ts to its exit (it must not become ready), with its output. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["src/main.ts"], {
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "info", CI: "1", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

for (const setting of ["PORT", "OPS_PORT"] as const) {
  test(`${setting} taken: one line naming it, in Persian and English, no stack trace, exit 1`, async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const database = await freshDatabase();
    try {
      const ports = { PORT: String(await freePort()), OPS_PORT: "0", [setting]: String(port) };
      const { code, output } = await runToExit({ ...database.env, ...ports });
      assert.equal(code, 1, output);
      const errors = output.split("\n").filter((line) => line.startsWith("Hoviat:"));
      assert.equal(errors.length, 1, output);
      assert.ok(errors[0]!.includes(`${setting}=${port}`), errors[0]);
      assert.ok(errors[0]!.includes(`(${setting})`), "the Persian half names it too");
      assert.match(errors[0]!, /درگاه/);
      assert.doesNotMatch(output, /\n\s+at /, "no stack trace");
    } finally {
      taken.close();
      await database.drop();
    }
  });
}

test("HOST=:: listens on IPv6 and IPv4 alike, with http://localhost:PORT as the default issuer", async () => {
  const database = await freshDatabase();
  const server = await startHoviat({ ...database.env, HOST: "::" });
  try {
    const port = new URL(server.url).port;
    for (const base of [`http://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
      const discovery = await fetch(`${base}/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200, base);
      assert.equal(((await discovery.json()) as { issuer: string }).issuer, `http://localhost:${port}`);
    }
    assert.match(server.output(), new RegExp(`listening on http://\\[::1?\\]:${port}|localhost:${port}`));
  } finally {
    await server.stop();
    await database.drop();
  }
});
