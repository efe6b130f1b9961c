// Operations surface of one instance: readiness, metrics, the OpenAPI document.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { registeredRoutes } from "../src/platform/openapi.ts";
import { ali, PASSWORD } from "./helpers/people.ts";
import { registerInProcess } from "./helpers/registration.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(() => sys.stop());

describe("health and readiness", () => {
  test("/healthz is live; /readyz checks the database and the job queue", async () => {
    assert.equal((await sys.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
    const ready = await sys.app.inject({ method: "GET", url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: "ready", checks: { database: "ok", queue: "ok" } });
  });
});

describe("/metrics", () => {
  test("latency by route, registrations by outcome, queue depth, SMS sent, login failures", async () => {
    const res = await registerInProcess(sys, ali);
    const { requestId } = res.json() as { requestId: string };
    await eventually(async () => {
      const m = await sys.db.selectFrom("messages").select("status").execute();
      return m.length === 2 && m.every((x) => x.status === "sent") ? true : undefined;
    });
    for (let i = 0; i < 2; i++) {
      await sys.app.inject({
        method: "POST",
        url: "/api/login",
        payload: { nationalId: ali.nationalId, password: "Wrong2026pass" },
      });
    }
    await sys.app.inject({
      method: "POST",
      url: "/api/login",
      payload: { nationalId: ali.nationalId, password: PASSWORD },
    });
    assert.ok(requestId);
    // The right password sends the sign-in code (R-MFA): a third SMS, waited for like the first two.
    await eventually(async () => {
      const m = await sys.db.selectFrom("messages").select("status").execute();
      return m.length === 3 && m.every((x) => x.status === "sent") ? true : undefined;
    });

    const res2 = await sys.ops.inject({ method: "GET", url: "/metrics" });
    assert.equal(res2.statusCode, 200);
    assert.match(res2.headers["content-type"] as string, /^text\/plain/);
    const text = res2.body;
    assert.match(
      text,
      /hoviat_http_request_duration_seconds_count\{method="POST",route="\/api\/registrations",status="202"\} 1/,
    );
    assert.match(text, /hoviat_registration_requests\{status="active"\} 1/);
    assert.match(text, /hoviat_queue_depth/);
    assert.match(text, /hoviat_messages\{channel="sms",status="sent"\} 3/);
    assert.match(text, /hoviat_sms_sent_total\{provider="outbox"\} 3/);
    assert.match(text, /hoviat_login_failures_total\{reason="wrong_credentials"\} 2/);
    assert.match(text, /hoviat_process_cpu_seconds_total/);
    assert.doesNotMatch(text, /0012345679|09121234567/, "no personal data in labels");
  });
});

describe("OpenAPI", () => {
  test("/docs/json is OpenAPI 3.1 and lists every registered route with its method", async () => {
    const doc = (await sys.ops.inject({ method: "GET", url: "/docs/json" })).json() as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    assert.equal(doc.openapi, "3.1.0");
    const routes = registeredRoutes(sys.app);
    assert.ok(routes.length > 20, "routes were recorded");
    const missing = routes
      .map((r) => ({
        method: r.method.toLowerCase(),
        path: r.url.replace(/:(\w+)/g, "{$1}").replace(/\*$/, "{*}"),
      }))
      .filter((r) => !doc.paths[r.path]?.[r.method])
      .map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, []);
    assert.ok(doc.paths["/api/registrations"]?.post, "the registration route is documented");
  });

  test("/docs serves the browsable documentation", async () => {
    const res = await sys.ops.inject({ method: "GET", url: "/docs", headers: { accept: "text/html" } });
    assert.ok([200, 302].includes(res.statusCode), String(res.statusCode));
    const page =
      res.statusCode === 302
        ? await sys.ops.inject({ method: "GET", url: res.headers.location as string })
        : res;
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });
});

describe("the internal listener (issue 10)", () => {
  test("/metrics, /docs and /docs/json are not on the public listener; /healthz and /readyz are on both", async () => {
    for (const url of ["/metrics", "/docs", "/docs/json", "/docs/static/index.html"]) {
      assert.equal((await sys.app.inject({ method: "GET", url })).statusCode, 404, url);
    }
    for (const url of ["/healthz", "/readyz"]) {
      assert.equal((await sys.app.inject({ method: "GET", url })).statusCode, 200, url);
      assert.equal((await sys.ops.inject({ method: "GET", url })).statusCode, 200, url);
    }
    assert.equal((await sys.ops.inject({ method: "GET", url: "/api/me" })).statusCode, 404);
  });
});
