// The HTTP registry adapter against the simulator served over HTTP (the same contract as in process),
// then its own duties: API key, retries, timeouts, the circuit breaker and mutual TLS.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { RegistryHttp, type RegistryHttpOptions } from "../../src/adapters/registry-http/registry-http.ts";
import { registryHandler, registryServer } from "../../src/adapters/simulator/http-server.ts";
import { RegistrySimulator } from "../../src/adapters/simulator/registry-simulator.ts";
import { ManualClock } from "../../src/platform/clock.ts";
import { RegistryUnavailable } from "../../src/ports/civil-registry.ts";
import { registryContract } from "../contracts/registry-contract.ts";

const FIXTURE = "fixtures/registry.demo.json";

async function serve(server: Server, scheme = "http"): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const client = (baseUrl: string, extra: Partial<RegistryHttpOptions> = {}) =>
  new RegistryHttp({ baseUrl, timeoutMs: 2_000, retryDelayMs: 0, clock: new ManualClock(), ...extra });

registryContract("registry-http against `npm run sim:registry`", async () => {
  const simulator = RegistrySimulator.fromFile(FIXTURE);
  const server = await serve(registryServer(simulator, { apiKey: "registry-key" }));
  return {
    registry: client(server.url, { apiKey: "registry-key" }),
    outage: (down) => (simulator.outage = down),
    close: server.close,
  };
});

/** A registry that answers each call with the next status of a script (then 200 {owner:true}). */
async function scripted(statuses: (number | "hang")[]) {
  let calls = 0;
  const server = await serve(
    createServer((_request, response) => {
      const next = statuses[calls++] ?? 200;
      if (next === "hang") return;
      response.writeHead(next, { "content-type": "application/json" }).end(JSON.stringify({ owner: true }));
    }),
  );
  return { ...server, calls: () => calls };
}

describe("registry-http duties", () => {
  test("a wrong API key is RegistryUnavailable at once: a 401 is not retried", async () => {
    const simulator = RegistrySimulator.fromFile(FIXTURE);
    const server = await serve(registryServer(simulator, { apiKey: "registry-key" }));
    try {
      await assert.rejects(client(server.url, { apiKey: "wrong" }).findPerson("0012345679"), /HTTP 401/);
      assert.equal(simulator.calls, 0);
    } finally {
      await server.close();
    }
  });

  test("a 5xx is retried twice; a third success answers", async () => {
    const server = await scripted([503, 502]);
    try {
      assert.equal(await client(server.url).isOwner("0012345679", "09121234567"), true);
      assert.equal(server.calls(), 3);
    } finally {
      await server.close();
    }
  });

  test("a call with no answer within REGISTRY_TIMEOUT_MS fails after its retries", async () => {
    const server = await scripted(["hang", "hang", "hang"]);
    try {
      await assert.rejects(
        client(server.url, { timeoutMs: 100 }).isOwner("0012345679", "09121234567"),
        (e) => e instanceof RegistryUnavailable && /no answer within 100 ms/.test(e.message),
      );
      assert.equal(server.calls(), 3);
    } finally {
      await server.close();
    }
  });

  test("a malformed answer is RegistryUnavailable, not a conclusion", async () => {
    const server = await serve(createServer((_q, r) => r.writeHead(200).end('{"owner":"yes"}')));
    try {
      await assert.rejects(client(server.url).isOwner("0012345679", "09121234567"), RegistryUnavailable);
    } finally {
      await server.close();
    }
  });

  test("the circuit opens after N failed calls, fails at once while open, and closes on a success", async () => {
    const server = await scripted([500, 500, 500, 500]);
    const clock = new ManualClock();
    const registry = client(server.url, { retries: 0, breakerThreshold: 3, breakerOpenMs: 30_000, clock });
    try {
      for (let i = 0; i < 3; i++) await assert.rejects(registry.isOwner("0012345679", "09121234567"));
      await assert.rejects(registry.isOwner("0012345679", "09121234567"), /circuit open/);
      assert.equal(server.calls(), 3, "an open circuit does not call the registry");
      clock.advance(30_000);
      // Half-open: one trial call; it fails (the 4th 500), so the circuit opens again at once.
      await assert.rejects(registry.isOwner("0012345679", "09121234567"), /HTTP 500/);
      await assert.rejects(registry.isOwner("0012345679", "09121234567"), /circuit open/);
      clock.advance(30_000);
      assert.equal(await registry.isOwner("0012345679", "09121234567"), true);
      assert.equal(await registry.isOwner("0012345679", "09121234567"), true);
      assert.equal(server.calls(), 6);
    } finally {
      await server.close();
    }
  });

  test("mutual TLS: the client certificate is presented and the registry's CA is trusted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hoviat-mtls-"));
    const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    const file = (name: string) => join(dir, name);
    try {
      openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
      );
      for (const [name, subject, ext] of [
        ["server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1"],
        ["client", "/CN=hoviat", "extendedKeyUsage=clientAuth"],
      ] as const) {
        openssl(
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-subj",
          subject,
          "-keyout",
          `${name}.key`,
          "-out",
          `${name}.csr`,
        );
        execFileSync("sh", ["-c", `printf '%s' '${ext}' > ${name}.ext`], { cwd: dir });
        openssl(
          "x509",
          "-req",
          "-in",
          `${name}.csr`,
          "-CA",
          "ca.pem",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-days",
          "1",
          "-extfile",
          `${name}.ext`,
          "-out",
          `${name}.pem`,
        );
      }
      const simulator = RegistrySimulator.fromFile(FIXTURE);
      const https = createHttpsServer(
        {
          key: readFileSync(file("server.key")),
          cert: readFileSync(file("server.pem")),
          ca: readFileSync(file("ca.pem")),
          requestCert: true,
          rejectUnauthorized: true,
        },
        registryHandler(simulator),
      );
      const server = await serve(https, "https");
      try {
        const tls = { cert: file("client.pem"), key: file("client.key"), ca: file("ca.pem") };
        assert.equal((await client(server.url, { tls }).findPerson("0012345679"))?.firstName, "علی");
        // Without our certificate the registry hangs up: unavailable, never a conclusion.
        await assert.rejects(
          client(server.url, { tls: { ca: tls.ca }, retries: 0 }).findPerson("0012345679"),
          RegistryUnavailable,
        );
      } finally {
        await server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
