import { Type } from "typebox";
import { SECURITY_QUESTIONS } from "../../domain/security-questions.ts";
import { t } from "../../messages/index.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { type Http, locale } from "../../platform/http.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { InvalidInput } from "../../platform/problems.ts";
import { submitRegistration } from "./service.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

export const RegistrationBody = Type.Object({
  nationalId: text(32),
  mobile: text(32),
  firstName: text(100),
  lastName: text(100),
  gender: text(16),
  birthCertificateNumber: text(32),
  birthDate: text(32),
  email: text(254),
  securityAnswers: Type.Optional(
    Type.Array(
      Type.Object({ questionId: Type.String({ maxLength: 32 }), answer: Type.String({ maxLength: 200 }) }),
      {
        maxItems: 10,
      },
    ),
  ),
  password: text(128),
  passwordConfirmation: text(128),
});

/** Submissions per IP address per hour before they need a challenge: each costs four argon2 hashes. */
export const REGISTRATIONS_PER_IP_PER_HOUR = 20;
export const REGISTRATION_ADDRESS_RULE = {
  scope: "register",
  threshold: REGISTRATIONS_PER_IP_PER_HOUR,
  windowMs: 3_600_000,
};

export function registrationRoutes(
  app: Http,
  deps: { db: Db; jobs: Jobs; clock: Clock; rateLimits: boolean; challenges: Challenges },
) {
  const guard = deps.challenges.guard(REGISTRATION_ADDRESS_RULE);
  app.get("/api/security-questions", async (request) => {
    const loc = locale(request);
    return SECURITY_QUESTIONS.map((q) => ({ id: q.id, text: t(loc, q.key) }));
  });

  app.post("/api/registrations", { schema: { body: RegistrationBody }, ...guard }, async (request, reply) => {
    const result = await submitRegistration(deps, request.body as Record<string, unknown>, request.ip);
    if (!result.ok) throw new InvalidInput(result.errors);
    return reply
      .status(202)
      .send({ requestId: result.requestId, message: t(locale(request), "registration.submitted") });
  });
}
