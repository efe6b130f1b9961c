// The internal listener as `npm start` runs it (issue 10): /metrics and /docs on OPS_PORT only,
// /healthz and /readyz on both; the worker role answers health on PORT and everything on OPS_PORT.
import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort, freshDatabase, startHoviat } from "./ops-processes.ts";

const status = (url: string) =>
  fetch(url).then(
    (r) => r.status,
    () => 0,
  );

for (const role of ["all", "worker"] as const) {
  test(`ROLE=${role}: metrics and docs on the internal listener only`, async () => {
    const database = await freshDatabase();
    const opsPort = await freePort();
    const hoviat = await startHoviat({ ...database.env, ROLE: role, OPS_PORT: String(opsPort) });
    const ops = `http://127.0.0.1:${opsPort}`;
    try {
      for (const path of ["/metrics", "/docs", "/docs/json"]) {
        assert.equal(await status(`${hoviat.url}${path}`), 404, `public ${path}`);
      }
      for (const path of ["/metrics", "/docs/json", "/healthz", "/readyz"]) {
        assert.equal(await status(`${ops}${path}`), 200, `ops ${path}`);
      }
      for (const path of ["/healthz", "/readyz"]) assert.equal(await status(`${hoviat.url}${path}`), 200);
      if (role === "all") assert.equal(await status(`${ops}/api/security-questions`), 404);
      assert.match(hoviat.output(), new RegExp(`metrics and docs on http://127\\.0\\.0\\.1:${opsPort}`));
    } finally {
      assert.equal(await hoviat.stop(), 0);
      await database.drop();
    }
  });
}
