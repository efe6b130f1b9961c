// Issue 21 item 8: the README's first steps for the console work in the order written, with the server
// running. On the embedded default `npm run cli -- …` hands its command to the server that holds the data
// folder, through a socket only its owner may open; once the server stopped (or died), the CLI opens the
// folder itself again. On PostgreSQL the CLI connects to the database as always.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { freshDatabase, startHoviat } from "./ops-processes.ts";

function cli(
  env: Record<string, string>,
  ...argv: string[]
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["src/cli.ts", ...argv], {
      env: { ...process.env, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

test("the CLI's commands while the server runs, then with it stopped, then with it killed", async () => {
  const database = await freshDatabase();
  const { env } = database;
  let server = await startHoviat(env);
  try {
    const socket = env.DATA_DIR ? join(env.DATA_DIR, "cli.sock") : null;
    if (socket) assert.equal(statSync(socket).mode & 0o777, 0o600, "the owner's only");
    // The README's order: a branch, then the first admin, with the server running.
    const branch = await cli(env, "branch:create", "--code", "1001", "--name", "شعبهٔ مرکزی");
    assert.equal(branch.code, 0, branch.output);
    assert.match(branch.output, /branch created: 1001 \(شعبهٔ مرکزی\)/);
    const admin = await cli(
      env,
      "staff:create",
      "--username",
      "admin",
      "--name",
      "مدیر سامانه",
      "--role",
      "admin",
    );
    assert.equal(admin.code, 0, admin.output);
    assert.match(admin.output, /one-time password: \S{12,}/);
    // The server's own database took them: the console signs the admin in at once.
    const password = admin.output.match(/one-time password: (\S+)/)![1]!;
    const signIn = await fetch(`${server.url}/api/staff/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify({ username: "admin", password }),
    });
    assert.equal(signIn.status, 200, await signIn.text());
    // Refusals come back with their exit code and words.
    const again = await cli(env, "branch:create", "--code", "1001", "--name", "شعبهٔ مرکزی");
    assert.equal(again.code, 2);
    assert.match(again.output, /exists already/);

    assert.equal(await server.stop(), 0);
    if (socket) assert.equal(existsSync(socket), false, "a stopped server takes its socket away");
    const alone = await cli(env, "branch:create", "--code", "1002", "--name", "شعبهٔ دوم");
    assert.equal(alone.code, 0, alone.output);

    // A killed server leaves its socket: nobody answers there, and the CLI opens the folder itself.
    server = await startHoviat(env);
    await server.stop("SIGKILL");
    if (socket) assert.equal(existsSync(socket), true);
    const afterKill = await cli(env, "branch:create", "--code", "1003", "--name", "شعبهٔ سوم");
    assert.equal(afterKill.code, 0, afterKill.output);
    assert.match(afterKill.output, /branch created: 1003/);
  } finally {
    await server.stop("SIGKILL");
    await database.drop();
  }
});
