// HTTP of the OpenID Provider: oidc-provider mounted on raw req/res for its own endpoints, and the
// API of Hoviat's interaction pages (sign-in, consent), which live under the interaction's path
// because oidc-provider scopes the interaction cookie to it.
import type { FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import { errors } from "oidc-provider";
import { Type } from "typebox";
import type { Http } from "../../platform/http.ts";
import { Problem, Unauthorized } from "../../platform/problems.ts";
import { citizenSignIn, type SignInDeps, setSessionCookie } from "../login/routes.ts";
import { resolveSession, SESSION_COOKIE } from "../login/sessions.ts";
import { acrOf, meetsAcrValues } from "./claims.ts";
import { rememberConsent } from "./consents.ts";
import { OIDC_PREFIX } from "./provider.ts";

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

  const hoviatSession = async (request: FastifyRequest) => {
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await resolveSession(db, token, deps.clock.now(), deps.sessions) : null;
    // A half session (second factor due) signs no one in to an e-service.
    return session?.stage === "full" ? session : null;
  };

  const serviceName = async (details: Interaction) => {
    const client = await provider.Client.find(String(details.params.client_id));
    return client?.clientName ?? String(details.params.client_id);
  };

  /** Signs the account in to the provider, or refuses when its proof does not meet acr_values. */
  const finishLogin = async (
    request: FastifyRequest,
    reply: FastifyReply,
    details: Interaction,
    accountId: string,
  ) => {
    const account = await db
      .selectFrom("accounts")
      .select("status")
      .where("id", "=", accountId)
      .executeTakeFirst();
    if (account?.status !== "active") {
      const status = account?.status ?? "locked";
      throw new Problem(403, `accountNotActive.${status}`, { status });
    }
    const acr = await acrOf(db, accountId);
    const result = meetsAcrValues(acr, details.params.acr_values as string | undefined)
      ? { login: { accountId, acr, amr: ["pwd"], remember: true } }
      : {
          error: "unmet_authentication_requirements",
          error_description: "the account's identity proof does not meet the requested acr_values",
        };
    const redirectTo = await provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return { redirectTo };
  };

  const params = Type.Object({ uid: Type.String({ maxLength: 64 }) });

  app.get(`${OIDC_PREFIX}/interaction/:uid/state`, { schema: { params } }, async (request, reply) => {
    const details = await interaction(request, reply);
    const service = await serviceName(details);
    if (details.prompt.name === "login") {
      // Already signed in to Hoviat in this browser: no second password, straight to consent.
      const session = await hoviatSession(request);
      if (session) return finishLogin(request, reply, details, session.accountId);
      return { prompt: "login", service };
    }
    if (details.prompt.name === "consent") {
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
      return {
        prompt: "consent",
        service,
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
      // The citizen login itself, so the same limits, lockouts and challenges apply.
      const session = await signIn(request, request.body as Record<string, unknown>);
      if (session.next === "second_factor") {
        setSessionCookie(reply, session, deps.cookieSecure);
        return { next: "second_factor", method: session.method, methods: session.methods };
      }
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: deps.cookieSecure,
        expires: session.expiresAt,
      });
      const resolved = await resolveSession(db, session.token, deps.clock.now(), deps.sessions);
      if (!resolved) throw new Unauthorized();
      return finishLogin(request, reply, details, resolved.accountId);
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
