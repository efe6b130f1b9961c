// OpenAPI 3.1 from the route schemas (@fastify/swagger). Registered before any route: the generator
// learns routes as they are added. The document is served (/docs, /docs/json) by the internal
// listener only (ops-http.ts), not by the public app that generates it.
import swagger from "@fastify/swagger";
import type { Http } from "./http.ts";

export const DOCS_PREFIX = "/docs";

export type RegisteredRoute = { method: string; url: string };
const registered = new WeakMap<object, RegisteredRoute[]>();

/** Every route the app declared (HEAD twins and the docs' own routes aside): the docs must list them all. */
export function registeredRoutes(app: Http): RegisteredRoute[] {
  return registered.get(app) ?? [];
}

export async function registerOpenApi(app: Http): Promise<void> {
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook("onRoute", (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method !== "HEAD" && !route.url.startsWith(DOCS_PREFIX)) routes.push({ method, url: route.url });
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Hoviat (هویت) API",
        version: "1",
        description:
          "Registration, tracking, login, recovery and account API. Errors are RFC 9457 problem documents.",
      },
      components: {
        securitySchemes: { session: { type: "apiKey", in: "cookie", name: "hoviat_session" } },
      },
    },
  });
}
