// The account reset's routes (account-reset.ts): each answers only a half session of the holder.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Http } from "../../platform/http.ts";
import {
  type AccountResetDeps,
  requestResetMobile,
  startAccountReset,
  verifyResetMobile,
} from "./account-reset.ts";
import { requireHalfSession } from "./auth.ts";
import { SESSION_COOKIE } from "./sessions.ts";

const client = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers["user-agent"] ?? null,
});

export function accountResetRoutes(app: Http, deps: AccountResetDeps & { cookieSecure: boolean }) {
  const half = (request: FastifyRequest) => requireHalfSession(deps, request);

  app.post("/api/login/account-reset", async (request, reply) => {
    const { readyAt } = await startAccountReset(deps, await half(request), client(request));
    return reply.status(202).send({ readyAt: readyAt.toISOString() });
  });

  const mobile = Type.Object({ mobile: Type.Optional(Type.String({ maxLength: 32 })) });
  app.post("/api/login/account-reset/mobile", { schema: { body: mobile } }, async (request, reply) => {
    await requestResetMobile(deps, await half(request), request.body, client(request));
    return reply.status(202).send({ status: "code_sent" });
  });

  const code = Type.Object({ code: Type.Optional(Type.String({ maxLength: 32 })) });
  app.post("/api/login/account-reset/mobile/verify", { schema: { body: code } }, async (request, reply) => {
    const outcome = await verifyResetMobile(deps, await half(request), request.body, client(request));
    if (outcome.status === "applied") {
      reply.setCookie(SESSION_COOKIE, outcome.session.token, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: deps.cookieSecure,
        expires: outcome.session.expiresAt,
      });
    } else {
      reply.clearCookie(SESSION_COOKIE, { path: "/" });
    }
    return { status: outcome.status };
  });
}
