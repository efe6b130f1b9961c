// Factor management under /api/account/ (R-MFA): each route answers 401 without a full session.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Http } from "../../platform/http.ts";
import { requireSession } from "../login/auth.ts";
import type { SessionPolicy } from "../login/sessions.ts";
import { DEVICE_COOKIE, listRememberedBrowsers } from "./remembered-browsers.ts";
import {
  addTotp,
  confirmTotpFactor,
  type FactorDeps,
  forgetBrowser,
  listFactors,
  newBackupCodes,
  removeTotp,
  setSecondFactor,
  setSmsFactor,
} from "./service.ts";

const client = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers["user-agent"] ?? null,
});
const password = { currentPassword: Type.Optional(Type.String({ maxLength: 128 })) };
const idParams = Type.Object({ id: Type.String({ pattern: "^[0-9a-fA-F-]{36}$" }) });

export function factorRoutes(app: Http, deps: FactorDeps & { sessions: SessionPolicy }) {
  const auth = (request: FastifyRequest) => requireSession(deps, request);

  app.get("/api/account/factors", async (request) => listFactors(deps, await auth(request)));

  const totpBody = Type.Object({ ...password, name: Type.Optional(Type.String({ maxLength: 60 })) });
  app.post("/api/account/totp", { schema: { body: totpBody } }, async (request, reply) => {
    const enrolment = await addTotp(deps, await auth(request), request.body);
    return reply.status(201).send(enrolment);
  });

  const confirmBody = Type.Object({ code: Type.String({ maxLength: 32 }) });
  app.post(
    "/api/account/totp/:id/confirm",
    { schema: { params: idParams, body: confirmBody } },
    async (request, reply) => {
      await confirmTotpFactor(deps, await auth(request), request.params.id, request.body, client(request));
      return reply.status(204).send();
    },
  );

  const passwordBody = Type.Optional(Type.Object(password));
  app.delete(
    "/api/account/totp/:id",
    { schema: { params: idParams, body: passwordBody } },
    async (request, reply) => {
      await removeTotp(deps, await auth(request), request.params.id, request.body ?? {}, client(request));
      return reply.status(204).send();
    },
  );

  app.post("/api/account/backup-codes", { schema: { body: passwordBody } }, async (request, reply) => {
    const codes = await newBackupCodes(deps, await auth(request), request.body ?? {}, client(request));
    return reply.status(201).send({ codes });
  });

  const smsBody = Type.Object({ ...password, enabled: Type.Boolean() });
  app.put("/api/account/second-factor/sms", { schema: { body: smsBody } }, async (request, reply) => {
    await setSmsFactor(deps, await auth(request), request.body, client(request));
    return reply.status(204).send();
  });

  const onBody = Type.Object({ ...password, on: Type.Boolean() });
  app.put("/api/account/second-factor", { schema: { body: onBody } }, async (request, reply) => {
    await setSecondFactor(deps, await auth(request), request.body, client(request));
    return reply.status(204).send();
  });

  app.get("/api/account/remembered-browsers", async (request) => {
    const session = await auth(request);
    return listRememberedBrowsers(
      deps.db,
      session.accountId,
      request.cookies[DEVICE_COOKIE],
      deps.clock.now(),
    );
  });

  app.delete(
    "/api/account/remembered-browsers/:id",
    { schema: { params: idParams } },
    async (request, reply) => {
      await forgetBrowser(deps, await auth(request), request.params.id, client(request));
      return reply.status(204).send();
    },
  );
}
