// The second step of a sign-in over HTTP (R-MFA): a code for the half session, a new SMS code, and the
// step-up of a full session that an e-service finds too weak.
import { Type } from "typebox";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import { hashToken } from "../../platform/tokens.ts";
import { DEVICE_COOKIE } from "../factors/remembered-browsers.ts";
import { requireHalfSession, requireSession } from "./auth.ts";
import { answerOf, firstCode, type LoginRouteDeps, setSessionCookie } from "./routes.ts";
import { completeSecondFactor, factorsOf, SECOND_FACTOR_SCOPE } from "./second-factor.ts";
import { replaceSession } from "./sessions.ts";
import { sendSignInCode } from "./sign-in-codes.ts";

/** Wrong codes from one address per window before its tries need a challenge (never a refusal). */
const SECOND_FACTOR_ADDRESS_RULE = {
  scope: SECOND_FACTOR_SCOPE,
  threshold: 50,
  windowMs: 15 * 60_000,
  counts: "failures" as const,
  failureStatuses: [400],
};

export function secondFactorRoutes(app: Http, deps: LoginRouteDeps) {
  const codeDeps = { ...deps, ...deps.secondFactor };
  const client = (request: { ip: string; headers: Record<string, string | string[] | undefined> }) => ({
    ip: request.ip,
    userAgent: (request.headers["user-agent"] as string | undefined) ?? null,
  });

  const body = Type.Object({
    method: Type.String({ maxLength: 16 }),
    code: Type.String({ maxLength: 64 }),
    rememberBrowser: Type.Optional(Type.Boolean()),
  });
  app.post(
    "/api/login/second-factor",
    { schema: { body }, ...deps.challenges.guard(SECOND_FACTOR_ADDRESS_RULE) },
    async (request, reply) => {
      const half = await requireHalfSession(deps, request);
      const solved = deps.challenges.solvedLevel(request);
      const { device, ...session } = await completeSecondFactor(
        { ...codeDeps, settings: deps.secondFactor },
        half,
        request.body,
        client(request),
        solved,
      );
      setSessionCookie(reply, session, deps.cookieSecure);
      if (device) {
        reply.setCookie(DEVICE_COOKIE, device.token, {
          path: "/",
          httpOnly: true,
          sameSite: "lax",
          secure: deps.cookieSecure,
          expires: device.expiresAt,
        });
      }
      return { next: "done" };
    },
  );

  // A new code; the old one dies. 429 + Retry-After inside the cooldown or past the caps.
  app.post("/api/login/second-factor/sms", async (request, reply) => {
    const half = await requireHalfSession(deps, request);
    const factors = await factorsOf(deps.db, half.accountId);
    if (!factors.methods.includes("sms")) throw new Problem(400, "login.methodUnavailable");
    await sendSignInCode(codeDeps, { sessionHash: half.idHash, accountId: half.accountId }, factors.mobile, {
      resend: true,
    });
    return reply.status(202).send({});
  });

  // A full session asked for more than it has: a half session in its place that keeps its amr and
  // level, so the factor given next merges into them.
  app.post("/api/login/step-up", async (request, reply) => {
    const full = await requireSession(deps, request);
    const factors = await factorsOf(deps.db, full.accountId);
    const now = deps.clock.now();
    const proof = { stage: "second_factor" as const, amr: full.amr, aal: full.aal, authTime: full.authTime };
    const half = await replaceSession(deps.db, full, now, deps.sessions, client(request), proof);
    if (!half) throw new Problem(401, "unauthorized");
    setSessionCookie(reply, half, deps.cookieSecure);
    const sent = await firstCode(
      deps,
      { sessionHash: hashToken(half.token), accountId: full.accountId },
      factors,
    );
    return { next: "second_factor", ...answerOf(factors), ...sent };
  });
}
