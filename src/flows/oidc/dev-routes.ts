// Development only (mounted with the outbox, which production refuses): the demo e-service registers
// itself on the port it found free, while Hoviat runs — the CLI cannot open an embedded database that
// a running Hoviat holds. Only the demo of fixtures/oidc-clients.dev.json, only on 127.0.0.1.
import { resolve } from "node:path";
import { Type } from "typebox";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import { readClientsFile } from "./client-input.ts";
import { upsertClient } from "./clients.ts";

export const DEMO_CLIENT_ID = "demo-eservice";
const DEV_CLIENTS_FILE = resolve(import.meta.dirname, "../../../fixtures/oidc-clients.dev.json");

export function demoEserviceRoute(app: Http, deps: { db: Db; clock: Clock; secretKey: string }) {
  const body = Type.Object({ port: Type.Integer({ minimum: 1024, maximum: 65535 }) });
  app.post("/api/dev/demo-eservice", { schema: { body } }, async (request, reply) => {
    const demo = readClientsFile(DEV_CLIENTS_FILE).find((c) => c.client_id === DEMO_CLIENT_ID);
    if (!demo) throw new Problem(404, "notFound");
    const base = `http://127.0.0.1:${request.body.port}`;
    await upsertClient(
      deps.db,
      {
        ...demo,
        redirect_uris: [`${base}/callback`],
        post_logout_redirect_uris: [`${base}/`],
        backchannel_logout_uri: `${base}/backchannel-logout`,
      },
      "file",
      deps.secretKey,
      deps.clock.now(),
    );
    return reply.status(204).send();
  });
}
