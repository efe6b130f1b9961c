import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { deviceOf } from "../../domain/user-agent.ts";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import { requireSession } from "../login/auth.ts";
import { endSession, type SessionPolicy } from "../login/sessions.ts";
import { listSecurityEvents } from "./security-events.ts";
import {
  type AccountDeps,
  type ContactKind,
  changePassword,
  replaceSecurityAnswers,
  requestContactChange,
  verifyContactChange,
} from "./service.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const client = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers["user-agent"] ?? null,
});

export function accountRoutes(app: Http, deps: AccountDeps & { sessions: SessionPolicy }) {
  const auth = (request: FastifyRequest) => requireSession(deps, request);

  app.get("/api/sessions", async (request) => {
    const session = await auth(request);
    const now = deps.clock.now();
    const idleSince = new Date(now.getTime() - deps.sessions.idleMinutes * 60_000);
    const rows = await deps.db
      .selectFrom("sessions")
      .select(["public_id", "id_hash", "created_at", "last_seen_at", "expires_at", "ip", "user_agent"])
      .where("account_id", "=", session.accountId)
      // A half session (password given, second factor due) is no one signed in yet (R-MFA).
      .where("stage", "=", "full")
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .where("last_seen_at", ">=", idleSince)
      .orderBy("last_seen_at", "desc")
      .execute();
    return rows.map((r) => ({
      id: r.public_id,
      current: r.id_hash === session.idHash,
      createdAt: r.created_at.toISOString(),
      lastSeenAt: r.last_seen_at.toISOString(),
      expiresAt: r.expires_at.toISOString(),
      ip: r.ip,
      userAgent: r.user_agent,
      device: deviceOf(r.user_agent),
    }));
  });

  app.get("/api/account/security-events", async (request) =>
    listSecurityEvents(deps.db, (await auth(request)).accountId),
  );

  const sessionParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
  app.delete("/api/sessions/:id", { schema: { params: sessionParams } }, async (request, reply) => {
    const session = await auth(request);
    const id = request.params.id;
    const where = { publicId: id, accountId: session.accountId };
    const revoked =
      /^[0-9a-f-]{36}$/i.test(id) && (await endSession(deps.db, where, deps.clock.now(), "session.revoked"));
    if (!revoked) throw new Problem(404, "sessionNotFound");
    return reply.status(204).send();
  });

  const password = Type.Object({
    currentPassword: text(128),
    password: text(128),
    passwordConfirmation: text(128),
  });
  app.post("/api/account/password", { schema: { body: password } }, async (request, reply) => {
    await changePassword(deps, await auth(request), request.body, client(request));
    return reply.status(204).send();
  });

  for (const kind of ["mobile", "email"] as const satisfies ContactKind[]) {
    const body = Type.Object({ currentPassword: text(128), [kind]: text(254) });
    app.post(`/api/account/${kind}`, { schema: { body } }, async (request, reply) => {
      await requestContactChange(deps, await auth(request), kind, request.body as Record<string, unknown>);
      return reply.status(202).send({ status: "code_sent" });
    });
    const verify = Type.Object({ code: text(32) });
    app.post(`/api/account/${kind}/verify`, { schema: { body: verify } }, async (request) =>
      verifyContactChange(deps, await auth(request), kind, request.body, client(request)),
    );
  }

  const questions = Type.Object({
    currentPassword: text(128),
    securityAnswers: Type.Optional(
      Type.Array(
        Type.Object({ questionId: Type.String({ maxLength: 32 }), answer: Type.String({ maxLength: 200 }) }),
        { maxItems: 10 },
      ),
    ),
  });
  app.put("/api/account/security-questions", { schema: { body: questions } }, async (request, reply) => {
    await replaceSecurityAnswers(deps, await auth(request), request.body, client(request));
    return reply.status(204).send();
  });
}
