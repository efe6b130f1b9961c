// The demo e-service on a busy machine (issue 20): its port taken, it takes the next free one, says
// so, and registers itself there with the running Hoviat (development only), so a sign-in starts.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { startDemoEservice } from "../demo/eservice.ts";
import { Agent, startOidcSystem } from "./helpers/oidc.ts";
import type { TestSystem } from "./helpers/system.ts";

const DEMO_SECRET = "demo-eservice-secret-for-development-only";
let sys: TestSystem & { issuer: string };
before(async () => {
  sys = await startOidcSystem([]);
});
after(async () => {
  await sys.stop();
});

test("a taken port: the next free one, registered with the running Hoviat; a sign-in starts there", async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
  const taken = (squatter.address() as AddressInfo).port;
  const options = { issuer: sys.issuer, port: taken, clientId: "demo-eservice", clientSecret: DEMO_SECRET };
  await assert.rejects(startDemoEservice(options), { code: "EADDRINUSE" }, "no leeway asked: refused");
  const demo = await startDemoEservice({ ...options, nextPorts: 20, register: "if-moved" });
  try {
    const port = Number(new URL(demo.url).port);
    assert.ok(port > taken && port <= taken + 20);
    const row = await sys.db
      .selectFrom("oidc_clients")
      .select("metadata")
      .where("client_id", "=", "demo-eservice")
      .executeTakeFirstOrThrow();
    assert.deepEqual((row.metadata as { redirect_uris: string[] }).redirect_uris, [`${demo.url}/callback`]);
    const agent = new Agent(demo.url);
    const login = await agent.fetch("/login");
    const hop = await new Agent(sys.issuer).follow(login.headers.get("location")!);
    assert.match(new URL(hop.location!).pathname, /^\/oidc\/interaction\//, "Hoviat takes the new redirect");
  } finally {
    demo.server.close();
    squatter.close();
  }
});

test("the registration route takes only a port, only for the demo", async () => {
  for (const payload of [{ port: 80 }, { port: "4000" }, {}]) {
    const response = await sys.app.inject({ method: "POST", url: "/api/dev/demo-eservice", payload });
    assert.equal(response.statusCode, 400, JSON.stringify(payload));
  }
});
