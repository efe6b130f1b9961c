import { Type } from "typebox";
import { t } from "../../messages/index.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { type Http, locale } from "../../platform/http.ts";
import { trackRegistration } from "./service.ts";

/** Lookups per IP address per minute before they need a challenge. */
export const TRACKING_PER_IP_PER_MINUTE = 30;

export function trackingRoutes(
  app: Http,
  deps: { db: Db; clock: Clock; expiryHours: number; challenges: Challenges },
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
}
