// The internal listener (OPS_PORT on OPS_HOST, loopback by default): /metrics, /docs, /docs/json, and
// /healthz and /readyz again. Metrics and the API map help an attacker more than anyone outside, so
// the public listener no longer serves them; a proxy rule forgotten cannot publish them.
import swagger, { type StaticDocumentSpec } from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Logger } from "pino";
import { createHttp, type Http } from "./http.ts";
import { healthRoutes, metricsRoute, type OpsDeps } from "./metrics.ts";
import { DOCS_PREFIX } from "./openapi.ts";

/** Built once the public app is ready: its OpenAPI document is complete by then. */
export async function createOpsApp(main: Http, logger: Logger, deps: OpsDeps): Promise<Http> {
  const ops = createHttp(logger.child({ listener: "ops" }), { trustProxy: false, hsts: false });
  healthRoutes(ops, deps);
  metricsRoute(ops, deps);
  // The generated document, served as it is (the static mode takes any OpenAPI document).
  const document = main.swagger() as StaticDocumentSpec["document"];
  await ops.register(swagger, { mode: "static", specification: { document } });
  await ops.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  await ops.ready();
  return ops;
}
