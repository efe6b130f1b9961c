import type { FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { maskMobile } from "../../domain/mobile.ts";
import { maskNationalId } from "../../domain/national-id.ts";
import { SignInAttempts } from "../../platform/attempts.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { TooManyRequests } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { hashToken } from "../../platform/tokens.ts";
import { DEVICE_COOKIE } from "../factors/remembered-browsers.ts";
import { endSsoSessions } from "../oidc/logout.ts";
import { enterAccountReset } from "./account-reset.ts";
import { requireSession } from "./auth.ts";
import {
  decideSignIn,
  type Factors,
  type Method,
  runFullSignInHooks,
  type SecondFactorSettings,
} from "./second-factor.ts";
import { secondFactorRoutes } from "./second-factor-routes.ts";
import { LOGIN_ADDRESS_RULE, LOGIN_ID_POLICY, login } from "./service.ts";
import { resolveSession, revokeSession, SESSION_COOKIE, type SessionPolicy } from "./sessions.ts";
import { sendSignInCode } from "./sign-in-codes.ts";

export type LoginRouteDeps = {
  db: Db;
  clock: Clock;
  sessions: SessionPolicy;
  rateLimits: boolean;
  throttles: ThrottleStore;
  challenges: Challenges;
  jobs: Jobs;
  cookieSecure: boolean;
  secondFactor: SecondFactorSettings;
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
    async signIn(
      request: FastifyRequest,
      body: { nationalId?: unknown; password?: unknown },
      options: { rememberedBrowserCounts?: boolean } = {},
    ): Promise<SignInResult> {
      const onCap = (err: unknown) => request.log.error({ err }, "login failure record or cap notice failed");
      const address = {
        hit: () => challenges.addressHit(request),
        admit: (count: number) => challenges.admitAddress(request, count),
        refuse: (level: number) => challenges.require(LOGIN_ADDRESS_RULE.scope, level),
        takeReservation: () => challenges.takeReservation(request),
      };
      const device = {
        token: request.cookies[DEVICE_COOKIE],
        counts: options.rememberedBrowserCounts ?? true,
      };
      const decide = (accountId: string, now: Date) =>
        decideSignIn(deps.db, deps.secondFactor, accountId, now, device);
      const client = { ip: request.ip, userAgent: request.headers["user-agent"] ?? null };
      const result = await login(
        { ...deps, attempts, onCap, address, decide },
        body,
        client,
        challenges.solvedLevel(request),
      );
      const { token, expiresAt, accountId, decision } = result;
      if (decision.stage === "full") {
        if (decision.resetOpen)
          await runFullSignInHooks(deps.db, deps.secondFactor, accountId, deps.clock.now());
        return { next: "done", token, expiresAt };
      }
      // A reset whose wait is over: the half session leads to a new mobile, no code to the lost one.
      // (Asked only of a holder with an open reset: the factors' read said whether there is one.)
      if (
        decision.factors.resetOpen &&
        (await enterAccountReset(deps.db, accountId, deps.clock.now(), client))
      ) {
        return { next: "new_mobile", token, expiresAt };
      }
      const sent = await firstCode(deps, { sessionHash: hashToken(token), accountId }, decision.factors);
      return { next: "second_factor", token, expiresAt, ...answerOf(decision.factors), ...sent };
    },
  };
}

export type SignInResult = {
  /** new_mobile: an account reset is due (account-reset.ts); the half session serves only it. */
  next: "done" | "second_factor" | "new_mobile";
  token: string;
  expiresAt: Date;
  method?: Method;
  methods?: Method[];
  /** Where the SMS code goes, masked (when SMS is one of the methods). */
  mobile?: string;
  /** The SMS caps were reached: no code was sent, the next one may be asked after this many seconds. */
  retryAfter?: number;
};

/** What a half session's page needs: the default factor, the others, and where an SMS code goes (masked). */
export const answerOf = (factors: Factors) => ({
  method: factors.method,
  methods: factors.methods,
  ...(factors.methods.includes("sms") ? { mobile: maskMobile(factors.mobile) } : {}),
});

/**
 * The code of a new half session, at once when SMS is its default factor. Past the per-account caps
 * the sign-in still goes on (an app or a backup code may serve): no code, and when to ask again.
 */
export async function firstCode(
  deps: SignInDeps,
  session: { sessionHash: string; accountId: string },
  factors: Factors,
): Promise<{ retryAfter?: number }> {
  if (factors.method !== "sms") return {};
  try {
    await sendSignInCode({ ...deps, ...deps.secondFactor }, session, factors.mobile, { resend: false });
    return {};
  } catch (error) {
    if (!(error instanceof TooManyRequests)) throw error;
    return { retryAfter: Number(error.headers["retry-after"]) };
  }
}

export function setSessionCookie(
  reply: FastifyReply,
  session: { token: string; expiresAt: Date },
  secure: boolean,
) {
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secure,
    expires: session.expiresAt,
  });
}

export function loginRoutes(app: Http, deps: LoginRouteDeps) {
  const { guard, signIn } = citizenSignIn(deps);
  const body = Type.Object({
    nationalId: Type.Optional(Type.String({ maxLength: 32 })),
    password: Type.Optional(Type.String({ maxLength: 128 })),
  });
  app.post("/api/login", { schema: { body }, ...guard }, async (request, reply) => {
    const { token, expiresAt, ...answer } = await signIn(request, request.body);
    setSessionCookie(reply, { token, expiresAt }, deps.cookieSecure);
    return answer;
  });

  secondFactorRoutes(app, deps);

  app.post("/api/logout", async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await resolveSession(deps.db, token, deps.clock.now(), deps.sessions) : null;
    // The page ends a session left idle itself, a minute before the server would: it says so.
    const idle = (request.body as { reason?: unknown } | undefined)?.reason === "idle";
    if (token) await revokeSession(deps.db, token, deps.clock.now(), idle ? "idle" : "logout");
    if (session) await endSsoSessions(deps.db, session.accountId);
    reply.clearCookie(SESSION_COOKIE, { path: "/" });
    return reply.status(204).send();
  });

  app.get("/api/me", async (request) => {
    const session = await requireSession(deps, request);
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
      // The page warns before the idle sign-out (issue 21).
      idleMinutes: deps.sessions.idleMinutes,
    };
  });
}
