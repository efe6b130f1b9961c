// The HTTP frame every route runs in: language, problem+json errors, security headers, and an
// origin check that makes cookie-authenticated writes safe from other sites (CSRF).
import cookie from "@fastify/cookie";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { FieldError } from "../domain/result.ts";
import { type Locale, t } from "../messages/index.ts";
import { BODY_LIMIT, boundedBody } from "./body-limit.ts";
import { isDatabaseUnavailable } from "./database.ts";
import { controlCharacterErrors } from "./input-text.ts";
import { InvalidInput, Problem } from "./problems.ts";
import type { TrustProxy } from "./trust-proxy.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** A route that no cookie authenticates and that answers other origins itself (CORS). */
    crossOrigin?: boolean;
  }
}

/** What a 503 asks the client to wait: a PostgreSQL restart or failover takes a few seconds. */
export const UNAVAILABLE_RETRY_SECONDS = 5;

export type App = FastifyInstance & { withTypeProvider: () => unknown };

export function locale(request: FastifyRequest): Locale {
  const query = (request.query as Record<string, unknown> | undefined)?.lang;
  if (query === "en" || query === "fa") return query;
  return /^en\b/i.test(request.headers["accept-language"] ?? "") ? "en" : "fa";
}

export function fieldErrors(loc: Locale, errors: FieldError[]) {
  return errors.map((e) => ({ field: e.field, code: e.code, message: t(loc, `errors.${e.code}`) }));
}

function ajvErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, "").replaceAll("/", ".");
    const missing = (v.params as { missingProperty?: string }).missingProperty;
    const field = [path, missing].filter(Boolean).join(".") || "body";
    return { field, code: missing ? "body.required" : "body.type" };
  });
}

/** SQLSTATE class 22, data exception: a value the database cannot hold, which the client sent. */
function isBadValue(error: FastifyError): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * Fastify 5.12 trusts nothing for a bare number (a hop count cannot tell a proxy from a client that
 * reaches us directly), so a count is our own rule: the socket and the next `hops - 1` entries are
 * proxies. Addresses/CIDRs go to proxy-addr as they are.
 */
function proxyTrust(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === "number") return (_address, hop) => hop < trust;
  return trust;
}

/** `hsts`: the site is HTTPS-only (secure cookies or production), so browsers are told to keep it so. */
export function createHttp(logger: Logger, options: { trustProxy: TrustProxy; hsts?: boolean }) {
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: proxyTrust(options.trustProxy),
    bodyLimit: BODY_LIMIT,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.register(cookie);
  app.addHook("preParsing", boundedBody);

  app.addHook("onSend", async (_request, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    if (options.hsts) reply.header("strict-transport-security", "max-age=31536000; includeSubDomains");
  });

  // Browsers say where a request comes from; a write from another site is refused outright, except on
  // routes that no cookie authenticates and that answer other origins themselves (`crossOrigin`).
  app.addHook("onRequest", async (request) => {
    if (["GET", "HEAD", "OPTIONS"].includes(request.method)) return;
    if (request.routeOptions.config?.crossOrigin) return;
    const site = request.headers["sec-fetch-site"];
    const origin = request.headers.origin;
    const sameOrigin = !origin || origin === `${request.protocol}://${request.headers.host}`;
    if (site === "cross-site" || !sameOrigin) throw new Problem(403, "crossSiteRequest");
  });

  // Before any schema or handler, on every route: no control or bidi-override characters anywhere.
  app.addHook("preValidation", async (request) => {
    const errors = [request.params, request.query, request.body].flatMap((part) =>
      controlCharacterErrors(part),
    );
    if (errors.length) throw new InvalidInput(errors);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const loc = locale(request);
    let problem: Problem;
    if (error instanceof Problem) problem = error;
    else if (error.validation) problem = new InvalidInput(ajvErrors(error));
    else if (error.statusCode === 413) problem = new Problem(413, "payloadTooLarge");
    else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      problem = new Problem(error.statusCode, "badRequest");
    } else if (isBadValue(error)) {
      // PostgreSQL refused a value the schemas let through (a NUL character in text, say): bad input.
      request.log.warn({ err: error }, "value refused by the database");
      problem = new Problem(400, "badRequest");
    } else if (isDatabaseUnavailable(error)) {
      // The database went away mid-request (restart, failover): nothing was answered, so ask to retry.
      request.log.warn({ err: error }, "database unavailable");
      problem = new Problem(503, "unavailable", {}, { "retry-after": String(UNAVAILABLE_RETRY_SECONDS) });
    } else {
      request.log.error({ err: error }, "unhandled error");
      problem = new Problem(500, "internal");
    }
    const body: Record<string, unknown> = {
      type: `about:blank`,
      title: t(loc, `problems.${problem.code}`, problem.titleParams?.(loc)),
      status: problem.status,
      code: problem.code,
      ...problem.extra,
    };
    if (problem instanceof InvalidInput) body.errors = fieldErrors(loc, problem.errors);
    reply.status(problem.status).headers(problem.headers).type("application/problem+json").send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .type("application/problem+json")
      .send({
        type: "about:blank",
        title: t(locale(request), "problems.notFound"),
        status: 404,
        code: "notFound",
      });
  });
  return app;
}

export type Http = ReturnType<typeof createHttp>;
