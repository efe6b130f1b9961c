// The registry simulator as a standalone HTTP service speaking the registry-http contract, so that
// the HTTP adapter is exercised for real. `npm run sim:registry` (PORT 4010, REGISTRY_FIXTURE,
// REGISTRY_API_KEY, REGISTRY_LATENCY_MS, REGISTRY_FAILURE_RATE).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { RegistryUnavailable } from "../../ports/civil-registry.ts";
import { RegistrySimulator } from "./registry-simulator.ts";

export function registryServer(simulator: RegistrySimulator, options: { apiKey?: string } = {}): Server {
  return createServer(registryHandler(simulator, options));
}

/** The request handler alone, for an https server (mutual TLS) as well. */
export function registryHandler(simulator: RegistrySimulator, options: { apiKey?: string } = {}) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (options.apiKey && request.headers["x-api-key"] !== options.apiKey) {
      return reply(401, { error: "unauthorized" });
    }
    const url = new URL(request.url ?? "/", "http://registry");
    const answer = async () => {
      const person = /^\/people\/([^/]+)$/.exec(url.pathname);
      if (request.method === "GET" && person) {
        const record = await simulator.findPerson(decodeURIComponent(person[1]!));
        return record ? reply(200, record) : reply(404, { error: "not found" });
      }
      if (request.method === "GET" && url.pathname === "/mobile-ownership") {
        const nationalId = url.searchParams.get("nationalId");
        const mobile = url.searchParams.get("mobile");
        if (!nationalId || !mobile) return reply(400, { error: "nationalId and mobile are required" });
        return reply(200, { owner: await simulator.isOwner(nationalId, mobile) });
      }
      return reply(404, { error: "no such route" });
    };
    answer().catch((error) => {
      if (error instanceof RegistryUnavailable) reply(503, { error: "unavailable" });
      else reply(500, { error: "internal" });
    });
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const fixture = resolve(
    env.REGISTRY_FIXTURE || resolve(import.meta.dirname, "../../../fixtures/registry.demo.json"),
  );
  const simulator = RegistrySimulator.fromFile(fixture, {
    latencyMs: Number(env.REGISTRY_LATENCY_MS ?? 0),
    failureRate: Number(env.REGISTRY_FAILURE_RATE ?? 0),
  });
  const port = Number(env.PORT ?? 4010);
  const host = env.HOST || "127.0.0.1";
  const server = registryServer(simulator, env.REGISTRY_API_KEY ? { apiKey: env.REGISTRY_API_KEY } : {});
  server.listen(port, host, () => console.log(`registry simulator on http://${host}:${port} (${fixture})`));
  process.on("SIGTERM", () => server.close());
}
