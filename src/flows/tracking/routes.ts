import { Type } from "typebox";
import { t } from "../../messages/index.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { type Http, locale } from "../../platform/http.ts";
import { TooManyRequests } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { trackRegistration } from "./service.ts";

export const TRACKING_PER_IP_PER_MINUTE = 30;

export function trackingRoutes(
  app: Http,
  deps: { db: Db; clock: Clock; expiryHours: number; rateLimits: boolean; throttles: ThrottleStore },
) {
  const body = Type.Object({
    nationalId: Type.Optional(Type.String({ maxLength: 32 })),
    mobile: Type.Optional(Type.String({ maxLength: 32 })),
  });
  app.post("/api/registrations/tracking", { schema: { body } }, async (request) => {
    const now = deps.clock.now();
    if (deps.rateLimits) {
      const { count, windowEndsAt } = await deps.throttles.hit(`tracking:ip:${request.ip}`, 60_000, now);
      if (count > TRACKING_PER_IP_PER_MINUTE)
        throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
    }
    const status = await trackRegistration(deps.db, request.body, now, deps.expiryHours);
    return { status, message: t(locale(request), `tracking.${status}`) };
  });
}
