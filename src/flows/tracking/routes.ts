import { Type } from "typebox";
import { t } from "../../messages/index.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { type Http, locale } from "../../platform/http.ts";
import { type MismatchDeps, startMismatchLook, verifyMismatchLook } from "./mismatch.ts";
import { trackRegistration } from "./service.ts";

/** Lookups per IP address per minute before they need a challenge. */
export const TRACKING_PER_IP_PER_MINUTE = 30;

export function trackingRoutes(
  app: Http,
  deps: MismatchDeps & { db: Db; clock: Clock; expiryHours: number; challenges: Challenges },
) {
  const guard = deps.challenges.guard({
    scope: "tracking",
    threshold: TRACKING_PER_IP_PER_MINUTE,
    windowMs: 60_000,
  });
  const body = Type.Object({
    nationalId: Type.Optional(Type.String({ maxLength: 32 })),
    mobile: Type.Optional(Type.String({ maxLength: 32 })),
  });
  app.post("/api/registrations/tracking", { schema: { body }, ...guard }, async (request) => {
    const now = deps.clock.now();
    const status = await trackRegistration(deps.db, request.body, now, deps.expiryHours);
    return { status, message: t(locale(request), `tracking.${status}`) };
  });

  // Issue 21: which fields of a mismatched registration differed, for the holder of its mobile.
  app.post("/api/registrations/mismatch", { schema: { body }, ...guard }, async (request, reply) => {
    await startMismatchLook(deps, request.body);
    return reply.code(202).send({ message: t(locale(request), "tracking.mismatchCodeSent") });
  });
  const verify = Type.Object({
    nationalId: Type.Optional(Type.String({ maxLength: 32 })),
    mobile: Type.Optional(Type.String({ maxLength: 32 })),
    code: Type.Optional(Type.String({ maxLength: 32 })),
  });
  app.post("/api/registrations/mismatch/verify", { schema: { body: verify }, ...guard }, async (request) => {
    const client = { ip: request.ip, userAgent: request.headers["user-agent"] ?? null };
    return verifyMismatchLook(deps, request.body, client);
  });
}
