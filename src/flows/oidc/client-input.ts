// One e-service as OIDC_CLIENTS_FILE, the CLI and the console describe it, and the oidc-provider
// metadata it becomes. Every kind of e-service (R-SSO): a server app (secret in the header or the
// body, or a signed JWT), a browser app and a mobile app (public clients: no secret, PKCE S256).
import { readFileSync } from "node:fs";
import { SCOPES } from "./claims.ts";

export type ClientInput = {
  client_id: string;
  client_secret?: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
  token_endpoint_auth_method: AuthMethod;
  /** `native` for a mobile or desktop app (RFC 8252 redirects: private-use scheme, loopback any port). */
  application_type?: "web" | "native";
  grant_types?: string[];
  jwks?: { keys: Record<string, unknown>[] };
  sector_identifier_uri?: string;
  /** Scopes beyond openid the e-service may ask for; absent = every scope Hoviat offers. */
  allowed_scopes?: string[];
  /** Every access token of this e-service must be DPoP-bound (RFC 9449). */
  dpop_bound_access_tokens?: boolean;
};

export class ClientInputError extends Error {}

/** `none`: a public client (browser or mobile app), which cannot keep a secret. */
export const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
const SECRET_METHODS: readonly string[] = ["client_secret_basic", "client_secret_post"];
const GRANT_TYPES = ["authorization_code", "refresh_token"];

const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string" && s.length > 0);

/** Checks the shape; oidc-provider validates the metadata itself (redirect URIs by application type). */
export function parseClientInput(raw: unknown): ClientInput {
  const c = (raw ?? {}) as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new ClientInputError(`client ${String(c.client_id ?? "?")}: ${why}`);
  };
  if (typeof c.client_id !== "string" || !/^[\w.:-]{1,100}$/.test(c.client_id)) fail("client_id is required");
  if (typeof c.client_name !== "string" || !c.client_name.trim()) fail("client_name is required");
  if (!strings(c.redirect_uris) || (c.redirect_uris as string[]).length === 0)
    fail("redirect_uris is required");
  const method = c.token_endpoint_auth_method as string;
  if (!(AUTH_METHODS as readonly string[]).includes(method))
    fail(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(", ")}`);
  if (SECRET_METHODS.includes(method) && (typeof c.client_secret !== "string" || c.client_secret.length < 32))
    fail(`client_secret of at least 32 characters is required with ${method}`);
  if (method === "none" && c.client_secret !== undefined)
    fail("a public client (token_endpoint_auth_method none) has no client_secret");
  if (method === "private_key_jwt" && !Array.isArray((c.jwks as { keys?: unknown })?.keys))
    fail("jwks with the e-service's public keys is required with private_key_jwt");
  if (c.application_type !== undefined && c.application_type !== "web" && c.application_type !== "native")
    fail("application_type must be web or native");
  if (c.post_logout_redirect_uris !== undefined && !strings(c.post_logout_redirect_uris))
    fail("post_logout_redirect_uris must be a list of URLs");
  if (c.backchannel_logout_uri !== undefined && typeof c.backchannel_logout_uri !== "string")
    fail("backchannel_logout_uri must be a URL");
  if (
    c.grant_types !== undefined &&
    !(strings(c.grant_types) && (c.grant_types as string[]).every((g) => GRANT_TYPES.includes(g)))
  )
    fail(`grant_types may hold only ${GRANT_TYPES.join(", ")}`);
  if (
    c.allowed_scopes !== undefined &&
    !(strings(c.allowed_scopes) && (c.allowed_scopes as string[]).every((s) => SCOPES.includes(s)))
  )
    fail(`allowed_scopes may hold only ${SCOPES.join(", ")}`);
  if (c.dpop_bound_access_tokens !== undefined && typeof c.dpop_bound_access_tokens !== "boolean")
    fail("dpop_bound_access_tokens must be true or false");
  return c as ClientInput;
}

/** The oidc-provider metadata of an e-service: code flow only, pairwise subjects. */
export function toMetadata(input: ClientInput): Record<string, unknown> {
  const grantTypes = input.grant_types ?? GRANT_TYPES;
  const scopes = input.allowed_scopes
    ? ["openid", ...(grantTypes.includes("refresh_token") ? ["offline_access"] : []), ...input.allowed_scopes]
    : undefined;
  return {
    client_id: input.client_id,
    ...(input.client_secret ? { client_secret: input.client_secret } : {}),
    client_name: input.client_name,
    application_type: input.application_type ?? "web",
    redirect_uris: input.redirect_uris,
    post_logout_redirect_uris: input.post_logout_redirect_uris ?? [],
    ...(input.backchannel_logout_uri
      ? { backchannel_logout_uri: input.backchannel_logout_uri, backchannel_logout_session_required: true }
      : {}),
    token_endpoint_auth_method: input.token_endpoint_auth_method,
    grant_types: grantTypes,
    response_types: ["code"],
    subject_type: "pairwise",
    ...(input.jwks ? { jwks: input.jwks } : {}),
    ...(input.sector_identifier_uri ? { sector_identifier_uri: input.sector_identifier_uri } : {}),
    ...(scopes ? { scope: [...new Set(scopes)].join(" ") } : {}),
    ...(input.dpop_bound_access_tokens ? { dpop_bound_access_tokens: true } : {}),
  };
}

/** OIDC_CLIENTS_FILE: `{ "clients": [ … ] }`, upserted at every start. */
export function readClientsFile(path: string): ClientInput[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ClientInputError(`OIDC_CLIENTS_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  const clients = (doc as { clients?: unknown })?.clients;
  if (!Array.isArray(clients))
    throw new ClientInputError(`OIDC_CLIENTS_FILE ${path} must hold { "clients": [ … ] }`);
  return clients.map(parseClientInput);
}
