// The OpenID Provider (R-SSO): panva's oidc-provider configured for the organisation's e-services —
// authorization code + PKCE (S256) only, confidential clients, pairwise subjects, refresh tokens only
// with offline_access and rotated on every use, back-channel logout, Hoviat's own Persian pages.
import { createHmac } from "node:crypto";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { Logger } from "pino";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { TrustProxy } from "../../platform/trust-proxy.ts";
import { revokeSession, SESSION_COOKIE, type SessionPolicy } from "../login/sessions.ts";
import { accountReads } from "./account-reads.ts";
import { databaseAdapter } from "./adapter.ts";
import { ACR, ACR_VALUES_SUPPORTED, CLAIMS, pairwiseSubject, SCOPES } from "./claims.ts";
import { rememberedScopes } from "./consents.ts";
import { type KeyTimes, loadJwks } from "./keys.ts";
import { errorPage, loggedOutPage, logoutPage } from "./pages.ts";
import { stepUpPolicy } from "./step-up.ts";

/** Where the provider's endpoints live; discovery stays at the issuer's /.well-known path. */
export const OIDC_PREFIX = "/oidc";
export const interactionPath = (uid: string) => `${OIDC_PREFIX}/interaction/${uid}`;

export type ProviderDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  issuer: string;
  /** SECRET_KEY's ring, newest first: cookies are signed with the first and still read with the rest. */
  secretKeys: readonly string[];
  sessions: SessionPolicy;
  trustProxy: TrustProxy;
  allowLoopbackBackchannel: boolean;
  keyTimes: KeyTimes;
};

/** ID tokens live 10 minutes, but one comes back as id_token_hint for as long as the session lives. */
const ID_TOKEN_SECONDS = 10 * 60;
export const longestSignedTokenMs = (sessions: SessionPolicy) =>
  Math.max(ID_TOKEN_SECONDS, sessions.absoluteHours * 3600) * 1000;

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const isPublic = (client: { clientAuthMethod?: string } | undefined) => client?.clientAuthMethod === "none";

/** What every HTML page of the provider carries, as Hoviat's own pages do (src/web/routes.ts). */
const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  // oidc-provider adds the hash of its own inline script (form_post) to script-src.
  "script-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export async function createProvider(deps: ProviderDeps): Promise<Provider> {
  const { db, clock } = deps;
  const salt = await pairwiseSalt(db);
  const accounts = accountReads(db);
  // Every authorization request: the Hoviat session, the identity proof and the level asked (step-up.ts).
  const policy = stepUpPolicy({ db, clock, sessions: deps.sessions, accounts });

  const configuration: Configuration = {
    adapter: databaseAdapter({ db, clock, secretKeys: deps.secretKeys, accounts }),
    findAccount: accounts.findAccount,
    jwks: (await loadJwks(db, clock.now(), deps.keyTimes)) as Configuration["jwks"],
    claims: CLAIMS,
    scopes: ["openid", "offline_access", ...SCOPES],
    acrValues: ACR_VALUES_SUPPORTED,
    responseTypes: ["code"],
    pkce: { required: () => true },
    // `none`: browser and mobile apps (public clients), which PKCE alone protects.
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
      subject_type: "pairwise",
      // oidc-provider puts acr in an ID token only when acr_values asked for it: asking for the
      // weakest proof on every e-service's behalf makes every ID token carry the acr achieved.
      default_acr_values: [ACR.REGISTRY_MOBILE],
    },
    enabledJWA: {
      idTokenSigningAlgValues: ["ES256", "RS256"],
      clientAuthSigningAlgValues: ["ES256", "RS256", "PS256"],
    },
    subjectTypes: ["pairwise"],
    // A native app's redirect has no host worth the name (`ir.example.app:/cb` has none; every loopback
    // app shares 127.0.0.1): its sector is its own id, unless it names a sector_identifier_uri.
    pairwiseIdentifier: async (_ctx, accountId, client) =>
      pairwiseSubject(
        salt,
        accountId,
        String(
          (client.applicationType === "native" && !client.sectorIdentifierUri) || !client.sectorIdentifier
            ? client.clientId
            : client.sectorIdentifier,
        ),
      ),
    rotateRefreshToken: true,
    allowOmittingSingleRegisteredRedirectUri: false,
    cookies: {
      keys: deps.secretKeys.map((key) =>
        createHmac("sha256", key).update("oidc-cookies").digest("base64url"),
      ),
      long: { httpOnly: true, sameSite: "lax" },
      short: { httpOnly: true, sameSite: "lax" },
    },
    ttl: {
      AccessToken: 10 * 60,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_SECONDS,
      Interaction: 30 * 60,
      Session: deps.sessions.absoluteHours * 3600,
      // A public client's grant lives a year, its refresh tokens 30 days from their last use (each
      // use rotates them): an app used once a month keeps its sign-in, a lost phone's dies in 30 days.
      Grant: (ctx) => (isPublic(ctx?.oidc?.client) ? 365 : 30) * 24 * 3600,
      RefreshToken: (_ctx, _token, client) => (isPublic(client) ? 30 : 14) * 24 * 3600,
    },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      end_session: `${OIDC_PREFIX}/session/end`,
      jwks: `${OIDC_PREFIX}/jwks`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/me`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      registration: `${OIDC_PREFIX}/reg`,
      code_verification: `${OIDC_PREFIX}/device`,
      device_authorization: `${OIDC_PREFIX}/device/auth`,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
      backchannel_authentication: `${OIDC_PREFIX}/backchannel`,
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => interactionPath(interaction.uid),
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = logoutPage(ctx.oidc.client?.clientName, form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = loggedOutPage(ctx.oidc.client?.clientName);
        },
      },
    },
    // A consent the person gave before for these scopes is not asked again (R-SSO), until revoked.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const { client, session, provider } = ctx.oidc;
      if (!client || !session) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      if (!session.accountId) return undefined;
      const scopes = await rememberedScopes(db, session.accountId, client.clientId, clock.now());
      if (!scopes) return undefined;
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(scopes.join(" "));
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error, out.error_description);
    },
    // oidc-provider refuses special-use addresses (SSRF guard); a local e-service in development
    // and the tests need their back-channel logout on loopback, so that one case may pass.
    fetch: (url, options) => {
      const host = new URL(url instanceof Request ? url.url : url).hostname;
      if (deps.allowLoopbackBackchannel && LOOPBACK.has(host)) {
        const { dispatcher: _guard, ...rest } = options as RequestInit & { dispatcher?: unknown };
        return globalThis.fetch(url, rest);
      }
      return globalThis.fetch(url, options);
    },
  };

  const provider = new Provider(deps.issuer, configuration);
  // Every URL the provider writes (discovery, form actions, DPoP and JWT audiences) comes from the
  // issuer, never from the request's Host or X-Forwarded-Host: a forged Host changes nothing.
  const issuer = new URL(deps.issuer);
  Object.defineProperties(provider.request, {
    host: { get: () => issuer.host },
    protocol: { get: () => issuer.protocol.slice(0, -1) },
  });
  provider.use(async (ctx, next) => {
    ctx.set("x-content-type-options", "nosniff");
    // Not no-referrer: a browser then posts the logout form with `Origin: null`, which the app's
    // cross-site check refuses; same-origin still tells no other site where the person came from.
    ctx.set("referrer-policy", "same-origin");
    ctx.set("x-frame-options", "DENY");
    ctx.set("content-security-policy", PAGE_CSP);
    await next();
  });
  // Behind our proxies koa reads X-Forwarded-Proto (secure cookies); ctx.ip only from the hops we trust.
  provider.proxy = deps.trustProxy !== false;
  if (typeof deps.trustProxy === "number") provider.maxIpsCount = deps.trustProxy;
  // «بله، خارج شوم» on the logout page signs the person out of Hoviat itself, not only the e-services.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== "end_session_confirm" || !ctx.oidc.params?.logout) return;
    const token = ctx.cookies.get(SESSION_COOKIE, { signed: false });
    if (!token) return;
    await revokeSession(db, token, clock.now());
    ctx.cookies.set(SESSION_COOKIE, null, { signed: false, path: "/" });
  });
  provider.on("server_error", (_ctx, err) => deps.logger.error({ err }, "oidc server error"));
  provider.on("backchannel.error", (_ctx, err, client) =>
    deps.logger.warn({ err, clientId: client.clientId }, "oidc back-channel logout failed"),
  );
  return provider;
}

/** The installation's pairwise salt (migration 009), read once at start. */
async function pairwiseSalt(db: Db): Promise<string> {
  const row = await db
    .selectFrom("oidc_salts")
    .select("value")
    .where("name", "=", "pairwise")
    .executeTakeFirstOrThrow();
  return row.value;
}
