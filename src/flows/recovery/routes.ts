import { Type } from "typebox";
import { SECURITY_QUESTIONS } from "../../domain/security-questions.ts";
import { t } from "../../messages/index.ts";
import type { Challenges } from "../../platform/challenge.ts";
import { type Http, locale } from "../../platform/http.ts";
import { resetPassword } from "./reset.ts";
import {
  RECOVERY_LIMITS,
  type RecoveryDeps,
  resendRecoveryCode,
  startRecovery,
  verifyRecovery,
} from "./service.ts";

const DAY_MS = 86_400_000;

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const params = Type.Object({ recoveryId: Type.String({ maxLength: 64 }) });

export function recoveryRoutes(app: Http, deps: RecoveryDeps & { challenges: Challenges }) {
  const startGuard = deps.challenges.guard({
    scope: "recovery",
    threshold: RECOVERY_LIMITS.perIpPerDay,
    windowMs: DAY_MS,
  });
  const stepGuard = deps.challenges.guard({
    scope: "recovery-step",
    threshold: RECOVERY_LIMITS.stepsPerIpPerDay,
    windowMs: DAY_MS,
  });
  const client = (request: { ip: string; headers: Record<string, unknown> }) => ({
    ip: request.ip,
    userAgent: (request.headers["user-agent"] as string | undefined) ?? null,
  });

  const start = Type.Object({ nationalId: text(32), method: text(32) });
  app.post("/api/password-recovery", { schema: { body: start }, ...startGuard }, async (request) => {
    const { recoveryId, questionIds, resendAfterSeconds } = await startRecovery(
      deps,
      request.body,
      client(request),
    );
    if (!questionIds) return { recoveryId, resendAfterSeconds };
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
    { schema: { body: verify, params }, ...stepGuard },
    async (request) => verifyRecovery(deps, request.params.recoveryId, request.body),
  );

  // A new code for a code recovery; a 429 with Retry-After inside the cooldown, as a new start.
  app.post(
    "/api/password-recovery/:recoveryId/resend",
    { schema: { params }, ...startGuard },
    async (request) => resendRecoveryCode(deps, request.params.recoveryId, client(request)),
  );

  const reset = Type.Object({ resetToken: text(128), password: text(128), passwordConfirmation: text(128) });
  app.post(
    "/api/password-recovery/:recoveryId/reset",
    { schema: { body: reset, params }, ...stepGuard },
    async (request, reply) => {
      await resetPassword(deps, request.params.recoveryId, request.body, client(request));
      return reply.status(204).send();
    },
  );
}
