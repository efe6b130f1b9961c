import { Type } from "typebox";
import { SECURITY_QUESTIONS } from "../../domain/security-questions.ts";
import { t } from "../../messages/index.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { type Http, locale } from "../../platform/http.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { InvalidInput } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import {
  confirmMobileVerification,
  type MobileVerificationDeps,
  startMobileVerification,
} from "./mobile-verification.ts";
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
  /** What POST /api/registrations/mobile-verification/{id}/confirm gave for this national ID + mobile. */
  mobileProof: text(128),
});

/** Submissions per IP address per hour before they need a challenge: each costs four argon2 hashes. */
export const REGISTRATIONS_PER_IP_PER_HOUR = 20;
export const REGISTRATION_ADDRESS_RULE = {
  scope: "register",
  threshold: REGISTRATIONS_PER_IP_PER_HOUR,
  windowMs: 3_600_000,
};
/** Codes asked per address per hour before a challenge: each is an SMS (per number: flat, 5 an hour). */
export const MOBILE_VERIFICATION_ADDRESS_RULE = {
  scope: "register-code",
  threshold: 20,
  windowMs: 3_600_000,
};
/** Codes tried per address per hour before a challenge (each code: 5 tries). */
export const MOBILE_CONFIRM_ADDRESS_RULE = { scope: "register-confirm", threshold: 60, windowMs: 3_600_000 };

export function registrationRoutes(
  app: Http,
  deps: MobileVerificationDeps & {
    db: Db;
    jobs: Jobs;
    clock: Clock;
    rateLimits: boolean;
    throttles: ThrottleStore;
    challenges: Challenges;
  },
) {
  const guard = deps.challenges.guard(REGISTRATION_ADDRESS_RULE);
  // Each code sent costs an SMS: the address's volume raises a challenge, as for the submission.
  const step1 = Type.Object({ nationalId: text(32), mobile: text(32) });
  app.post(
    "/api/registrations/mobile-verification",
    { schema: { body: step1 }, ...deps.challenges.guard(MOBILE_VERIFICATION_ADDRESS_RULE) },
    async (request, reply) => {
      const result = await startMobileVerification(deps, request.body, request.ip);
      return reply.status(202).send(result);
    },
  );

  const confirm = Type.Object({ code: text(32) });
  const params = Type.Object({ verificationId: Type.String({ maxLength: 64 }) });
  app.post(
    "/api/registrations/mobile-verification/:verificationId/confirm",
    { schema: { body: confirm, params }, ...deps.challenges.guard(MOBILE_CONFIRM_ADDRESS_RULE) },
    async (request) => confirmMobileVerification(deps, request.params.verificationId, request.body),
  );

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
