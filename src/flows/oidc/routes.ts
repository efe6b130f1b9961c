// HTTP of the OpenID Provider: oidc-provider mounted on raw req/res for its own endpoints, and the
// API of Hoviat's interaction pages (sign-in, consent), which live under the interaction's path
// because oidc-provider scopes the interaction cookie to it.
import type { FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { errors, type InteractionResults } from "oidc-provider";
import { Type } from "typebox";
import { requestedAal } from "../../domain/authentication-level.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { Problem, Unauthorized } from "../../platform/problems.ts";
import { citizenSignIn, type SignInDeps, setSessionCookie } from "../login/routes.ts";
import { factorsOf } from "../login/second-factor.ts";
import { resolveSession, SESSION_COOKIE } from "../login/sessions.ts";
import { acrOf, meetsAcrValues } from "./claims.ts";
import { rememberConsent } from "./consents.ts";
import { OIDC_PREFIX } from "./provider.ts";
import { exceedsMaxAge, NEED_NAMES } from "./step-up.ts";

/** What Hoviat's pages keep in an interaction before its end: when a fresh sign-in was first asked. */
type StepUpResult = { hoviat?: { freshAfter: number; before?: string } };

/** The second factors the holder has (the page offers them; the sign-in routes check them). */
const factorMethods = async (db: Db, accountId: string) => (await factorsOf(db, accountId)).methods;

export type OidcRouteDeps = SignInDeps & {
  provider: Provider;
  cookieSecure: boolean;
};

type Interaction = Awaited<ReturnType<Provider["interactionDetails"]>>;

export function oidcRoutes(app: Http, deps: OidcRouteDeps) {
  const { provider, db } = deps;
  const { guard, signIn } = citizenSignIn(deps);

  // oidc-provider reads its own bodies: in this scope Fastify parses nothing and hands the stream over.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    const callback = provider.callback();
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      await callback(request.raw, reply.raw);
    };
    scope.all("/.well-known/openid-configuration", handler);
    scope.all(`${OIDC_PREFIX}/*`, handler);
    // Browser apps call these from their own origin (public clients); oidc-provider allows only the
    // origins of the client's redirect URIs (clientBasedCORS), and none of them reads a cookie.
    for (const path of ["token", "me", "token/revocation"])
      scope.all(`${OIDC_PREFIX}/${path}`, { config: { crossOrigin: true } }, handler);
  });

  const interaction = async (request: FastifyRequest, reply: FastifyReply): Promise<Interaction> => {
    try {
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.uid !== (request.params as { uid: string }).uid) throw new errors.SessionNotFound("uid");
      return details;
    } catch (error) {
      if (error instanceof errors.SessionNotFound) throw new Problem(400, "oidc.interactionExpired");
      throw error;
    }
  };

  /** The browser's Hoviat session, full or half: callers look at its stage. */
  const hoviatSession = async (request: FastifyRequest) => {
    const token = request.cookies[SESSION_COOKIE];
    return token ? resolveSession(db, token, deps.clock.now(), deps.sessions) : null;
  };

  const serviceName = async (details: Interaction) => {
    const client = await provider.Client.find(String(details.params.client_id));
    return client?.clientName ?? String(details.params.client_id);
  };

  /** Ends the interaction with `result` (a login or an error): where the browser goes next. */
  const finish = async (request: FastifyRequest, reply: FastifyReply, result: InteractionResults) => {
    const redirectTo = await provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return { redirectTo };
  };

  /**
   * The login step of an interaction, from the browser's Hoviat session: ask the password (none, or a
   * fresh sign-in is due), the second factor (a half session), the missing factor (step-up); refuse an
   * identity proof the account cannot meet; or sign the account in to the provider with how it signed
   * in (amr, auth_time). Never a level the session has not reached.
   */
  const decide = async (request: FastifyRequest, reply: FastifyReply, details: Interaction) => {
    const service = await serviceName(details);
    const now = deps.clock.now();
    const acrValues = details.params.acr_values as string | undefined;
    const maxAge = details.params.max_age as string | number | undefined;
    // prompt=login or max_age: a sign-in at or after the moment Hoviat first asked is fresh, however long
    // the person then takes over the password and the second factor.
    // The session of that moment, and a step-up of it by a second factor (auth_time kept), are not.
    const session = await hoviatSession(request);
    let asked = (details.result as StepUpResult | undefined)?.hoviat;
    if (!asked && (details.prompt.reasons.includes("login_prompt") || maxAge !== undefined)) {
      asked = { freshAfter: now.getTime(), ...(session ? { before: session.idHash } : {}) };
      const result: StepUpResult = { hoviat: asked };
      await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    }
    if (!session) return { prompt: "login", service };

    const account = await db
      .selectFrom("accounts")
      .select("status")
      .where("id", "=", session.accountId)
      .executeTakeFirst();
    if (account?.status !== "active") {
      const status = account?.status ?? "locked";
      throw new Problem(403, `accountNotActive.${status}`, { status });
    }
    const acr = await acrOf(db, session.accountId);
    if (!meetsAcrValues(acr, acrValues))
      return finish(request, reply, {
        error: "unmet_authentication_requirements",
        error_description: "the account's identity proof does not meet the requested acr_values",
      });
    if (session.stage !== "full")
      return { prompt: "second_factor", service, methods: await factorMethods(db, session.accountId) };

    const wantsFresh =
      details.prompt.reasons.includes("login_prompt") ||
      (maxAge !== undefined && exceedsMaxAge(session, maxAge, now));
    const fresh =
      !!asked && session.idHash !== asked.before && session.authTime.getTime() >= asked.freshAfter;
    if (wantsFresh && !fresh) return { prompt: "login", service, fresh: true };

    const need = requestedAal(acrValues);
    if (session.aal < need) {
      const methods = await factorMethods(db, session.accountId);
      if (need === 3) {
        if (!methods.includes("passkey"))
          return finish(request, reply, {
            error: "unmet_authentication_requirements",
            error_description: "a phishing-resistant sign-in needs a passkey, and the account has none",
          });
        return { prompt: "step_up", service, need: NEED_NAMES[3], methods: ["passkey"] };
      }
      return { prompt: "step_up", service, need: NEED_NAMES[2], methods };
    }
    return finish(request, reply, {
      login: {
        accountId: session.accountId,
        acr,
        amr: session.amr,
        ts: Math.floor(session.authTime.getTime() / 1000),
        remember: true,
      },
    });
  };

  const params = Type.Object({ uid: Type.String({ maxLength: 64 }) });

  app.get(`${OIDC_PREFIX}/interaction/:uid/state`, { schema: { params } }, async (request, reply) => {
    const details = await interaction(request, reply);
    if (details.prompt.name === "login") return decide(request, reply, details);
    if (details.prompt.name === "consent") {
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      return {
        prompt: "consent",
        service: await serviceName(details),
        scopes: missing.filter((s) => s !== "openid" && s !== "offline_access"),
        offline: missing.includes("offline_access"),
      };
    }
    throw new Problem(400, "oidc.interactionExpired");
  });

  const loginBody = Type.Object(
    {
      nationalId: Type.Optional(Type.String({ maxLength: 32 })),
      password: Type.Optional(Type.String({ maxLength: 128 })),
    },
    { additionalProperties: true },
  );
  app.post(
    `${OIDC_PREFIX}/interaction/:uid/login`,
    { schema: { params, body: loginBody }, ...guard },
    async (request, reply) => {
      const details = await interaction(request, reply);
      if (details.prompt.name !== "login") throw new Problem(409, "oidc.interactionExpired");
      // A fresh sign-in asked (prompt=login, or max_age older than the browser's sign-in): the
      // remembered browser does not stand in for the second factor.
      const before = await hoviatSession(request);
      const maxAge = details.params.max_age as string | number | undefined;
      const fresh =
        details.prompt.reasons.includes("login_prompt") ||
        (maxAge !== undefined && !!before && exceedsMaxAge(before, maxAge, deps.clock.now()));
      // The citizen login itself, so the same limits, lockouts and challenges apply.
      const session = await signIn(request, request.body as Record<string, unknown>, {
        rememberedBrowserCounts: !fresh,
      });
      setSessionCookie(reply, session, deps.cookieSecure);
      request.cookies[SESSION_COOKIE] = session.token;
      // An identity the e-service refuses is told at once, before a code is typed.
      if (session.next === "second_factor") {
        const answer = await decide(request, reply, details);
        if ("redirectTo" in answer) return answer;
        return {
          prompt: "second_factor",
          next: "second_factor",
          service: await serviceName(details),
          method: session.method,
          methods: session.methods,
          ...(session.retryAfter !== undefined ? { retryAfter: session.retryAfter } : {}),
        };
      }
      // An account reset past its wait leads to a new mobile first (the account-reset pages).
      if (session.next !== "done") return { next: session.next };
      return decide(request, reply, details);
    },
  );

  app.post(`${OIDC_PREFIX}/interaction/:uid/consent`, { schema: { params } }, async (request, reply) => {
    const details = await interaction(request, reply);
    if (details.prompt.name !== "consent") throw new Problem(409, "oidc.interactionExpired");
    const accountId = details.session?.accountId;
    const session = await hoviatSession(request);
    // The consent is the signed-in person's own, in this browser.
    if (!accountId || session?.accountId !== accountId) throw new Unauthorized();
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
      : new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope((missing.missingOIDCScope as string[]).join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims as string[]);
    const grantId = await grant.save();
    const account = await db
      .selectFrom("accounts")
      .select("national_id")
      .where("id", "=", accountId)
      .executeTakeFirstOrThrow();
    const scopes = String(grant.getOIDCScope()).split(" ").filter(Boolean);
    await rememberConsent(
      db,
      { accountId, nationalId: account.national_id, clientId, scopes },
      { ip: request.ip, userAgent: request.headers["user-agent"] ?? null },
      deps.clock.now(),
    );
    const redirectTo = await provider.interactionResult(request.raw, reply.raw, { consent: { grantId } });
    return { redirectTo };
  });

  app.post(`${OIDC_PREFIX}/interaction/:uid/abort`, { schema: { params } }, async (request, reply) => {
    await interaction(request, reply);
    const result = { error: "access_denied", error_description: "End-User aborted interaction" };
    const redirectTo = await provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return { redirectTo };
  });
}
