import { Type } from "typebox";
import { SECURITY_QUESTIONS } from "../../domain/security-questions.ts";
import { t } from "../../messages/index.ts";
import { type Http, locale } from "../../platform/http.ts";
import { resetPassword } from "./reset.ts";
import { type RecoveryDeps, startRecovery, verifyRecovery } from "./service.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const params = Type.Object({ recoveryId: Type.String({ maxLength: 64 }) });

export function recoveryRoutes(app: Http, deps: RecoveryDeps) {
  const client = (request: { ip: string; headers: Record<string, unknown> }) => ({
    ip: request.ip,
    userAgent: (request.headers["user-agent"] as string | undefined) ?? null,
  });

  const start = Type.Object({ nationalId: text(32), method: text(32) });
  app.post("/api/password-recovery", { schema: { body: start } }, async (request) => {
    const { recoveryId, questionIds } = await startRecovery(deps, request.body, client(request));
    if (!questionIds) return { recoveryId };
    const loc = locale(request);
    const key = (id: string) => SECURITY_QUESTIONS.find((q) => q.id === id)?.key ?? id;
    return { recoveryId, questions: questionIds.map((id) => ({ id, text: t(loc, key(id)) })) };
  });

  const verify = Type.Object({
    code: text(32),
    answers: Type.Optional(
      Type.Array(
        Type.Object({ questionId: Type.String({ maxLength: 32 }), answer: Type.String({ maxLength: 200 }) }),
        { maxItems: 10 },
      ),
    ),
  });
  app.post(
    "/api/password-recovery/:recoveryId/verify",
    { schema: { body: verify, params } },
    async (request) => verifyRecovery(deps, request.params.recoveryId, request.body),
  );

  const reset = Type.Object({ resetToken: text(128), password: text(128), passwordConfirmation: text(128) });
  app.post(
    "/api/password-recovery/:recoveryId/reset",
    { schema: { body: reset, params } },
    async (request, reply) => {
      await resetPassword(deps, request.params.recoveryId, request.body, client(request));
      return reply.status(204).send();
    },
  );
}
