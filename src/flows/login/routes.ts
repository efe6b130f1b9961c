import { Type } from "typebox";
import { maskMobile } from "../../domain/mobile.ts";
import { maskNationalId } from "../../domain/national-id.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { Lockout } from "../../platform/lockout.ts";
import { Unauthorized } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { LOGIN_LIMITS, login } from "./service.ts";
import { resolveSession, revokeSession, SESSION_COOKIE, type SessionPolicy } from "./sessions.ts";

export type LoginRouteDeps = {
  db: Db;
  clock: Clock;
  sessions: SessionPolicy;
  rateLimits: boolean;
  throttles: ThrottleStore;
  cookieSecure: boolean;
};

export function loginRoutes(app: Http, deps: LoginRouteDeps) {
  const lockout = new Lockout(deps.throttles, LOGIN_LIMITS);
  const body = Type.Object({
    nationalId: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.Optional(Type.String({ maxLength: 128 })),
  });
  app.post("/api/login", { schema: { body } }, async (request, reply) => {
    const session = await login({ ...deps, lockout }, request.body, {
      ip: request.ip,
      userAgent: request.headers["user-agent"] ?? null,
    });
    reply.setCookie(SESSION_COOKIE, session.token, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: deps.cookieSecure,
      expires: session.expiresAt,
    });
    return { ok: true };
  });

  app.post("/api/logout", async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await revokeSession(deps.db, token, deps.clock.now());
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return reply.status(204).send();
  });

  app.get("/api/me", async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await resolveSession(deps.db, token, deps.clock.now(), deps.sessions) : null;
    if (!session) throw new Unauthorized();
    const account = await deps.db
      .selectFrom("accounts")
      .select([
        "id",
        "national_id",
        "first_name",
        "last_name",
        "gender",
        "mobile",
        "email",
        "email_confirmed_at",
        "status",
        "birth_date",
      ])
      .where("id", "=", session.accountId)
      .executeTakeFirstOrThrow();
    const answers = await deps.db
      .selectFrom("security_answers")
      .select("question_id")
      .where("account_id", "=", account.id)
      .limit(1)
      .execute();
    return {
      nationalId: maskNationalId(account.national_id),
      firstName: account.first_name,
      lastName: account.last_name,
      gender: account.gender,
      mobile: maskMobile(account.mobile),
      email: account.email ? account.email.replace(/^(.).*@/, "$1***@") : null,
      emailConfirmed: account.email_confirmed_at !== null,
      // An account activated at a branch has none yet: the account pages ask for them first.
      securityQuestionsSet: answers.length > 0,
      status: account.status,
      birthDate: account.birth_date,
    };
  });
}
