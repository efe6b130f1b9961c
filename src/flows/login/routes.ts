import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { maskMobile } from "../../domain/mobile.ts";
import { maskNationalId } from "../../domain/national-id.ts";
import { SignInAttempts } from "../../platform/attempts.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { Unauthorized } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { endSsoSessions } from "../oidc/logout.ts";
import { LOGIN_ADDRESS_RULE, LOGIN_ID_POLICY, login } from "./service.ts";
import { resolveSession, revokeSession, SESSION_COOKIE, type SessionPolicy } from "./sessions.ts";

export type LoginRouteDeps = {
  db: Db;
  clock: Clock;
  sessions: SessionPolicy;
  rateLimits: boolean;
  throttles: ThrottleStore;
  challenges: Challenges;
  jobs: Jobs;
  cookieSecure: boolean;
};

export type SignInDeps = Omit<LoginRouteDeps, "cookieSecure">;

/**
 * The citizen sign-in with its limits (per national ID, and the challenge guard per address): one
 * for `/api/login` and the OpenID Provider's login page, so neither is a way around the other.
 */
export function citizenSignIn(deps: SignInDeps) {
  const { challenges } = deps;
  const attempts = new SignInAttempts(
    { store: deps.throttles, clock: deps.clock, challenges },
    LOGIN_ID_POLICY,
    LOGIN_ADDRESS_RULE.scope,
  );
  return {
    /** Route options: the address's failures raise a challenge. */
    guard: challenges.guard({ ...LOGIN_ADDRESS_RULE, handlerCounts: true }),
    signIn(request: FastifyRequest, body: { nationalId?: unknown; password?: unknown }) {
      const onCap = (err: unknown) => request.log.error({ err }, "login cap notice failed");
      const address = {
        hit: () => challenges.addressHit(request),
        admit: (count: number) => challenges.admitAddress(request, count),
        refuse: (level: number) => challenges.require(LOGIN_ADDRESS_RULE.scope, level),
        takeReservation: () => challenges.takeReservation(request),
      };
      return login(
        { ...deps, attempts, onCap, address },
        body,
        { ip: request.ip, userAgent: request.headers["user-agent"] ?? null },
        challenges.solvedLevel(request),
      );
    },
  };
}

export function loginRoutes(app: Http, deps: LoginRouteDeps) {
  const { guard, signIn } = citizenSignIn(deps);
  const body = Type.Object({
    nationalId: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.Optional(Type.String({ maxLength: 128 })),
  });
  app.post("/api/login", { schema: { body }, ...guard }, async (request, reply) => {
    const session = await signIn(request, request.body);
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
    const session = token ? await resolveSession(deps.db, token, deps.clock.now(), deps.sessions) : null;
    if (token) await revokeSession(deps.db, token, deps.clock.now());
    if (session) await endSsoSessions(deps.db, session.accountId);
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
