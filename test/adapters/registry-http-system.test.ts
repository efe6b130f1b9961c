// REGISTRY_PROVIDER=http end to end: the system verifies a registration through the registry served
// over HTTP (the simulator's standalone server), and an outage there postpones, never decides.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { registryServer } from "../../src/adapters/simulator/http-server.ts";
import { RegistrySimulator } from "../../src/adapters/simulator/registry-simulator.ts";
import { ali } from "../helpers/people.ts";
import { registerInProcess } from "../helpers/registration.ts";
import { eventually, startTestSystem, type TestSystem } from "../helpers/system.ts";

const simulator = RegistrySimulator.fromFile("fixtures/registry.demo.json");
const server = registryServer(simulator, { apiKey: "registry-key" });
let sys: TestSystem;
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  sys = await startTestSystem({
    REGISTRY_PROVIDER: "http",
    REGISTRY_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    REGISTRY_API_KEY: "registry-key",
  });
});
after(async () => {
  await sys.stop();
  server.closeAllConnections();
  server.close();
});

const statusOf = (id: string) =>
  sys.db
    .selectFrom("registration_requests")
    .select(["status", "attempts"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();

test("a registration is verified through the HTTP registry; an outage there only postpones it", async () => {
  assert.throws(() => sys.registry, /REGISTRY_PROVIDER=http/);
  simulator.outage = true;
  const res = await registerInProcess(sys, ali);
  const { requestId } = res.json() as { requestId: string };
  await eventually(async () => ((await statusOf(requestId)).attempts >= 1 ? true : undefined));
  assert.equal((await statusOf(requestId)).status, "pending");

  simulator.outage = false;
  sys.clock.advance(10 * 60_000);
  await sys.worker!.sweep();
  await eventually(async () => ((await statusOf(requestId)).status === "active" ? true : undefined));
  assert.ok(simulator.calls >= 3, "civil registry and mobile ownership were asked over HTTP");
});
