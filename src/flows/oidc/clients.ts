// The e-services (OIDC clients): stored in oidc_clients as oidc-provider metadata, written from the
// OIDC_CLIENTS_FILE at start, by the CLI and by admins in the staff console. Secrets are sealed
// with SECRET_KEY (AES-256-GCM): a database dump alone does not let anyone act as an e-service.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Db } from "../../platform/database.ts";
import { SCOPES } from "./claims.ts";

/** One e-service as OIDC_CLIENTS_FILE, the CLI and the console describe it. */
export type ClientInput = {
  client_id: string;
  client_secret?: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  backchannel_logout_uri?: string;
  token_endpoint_auth_method: "client_secret_basic" | "private_key_jwt";
  grant_types?: string[];
  jwks?: { keys: Record<string, unknown>[] };
  sector_identifier_uri?: string;
  /** Scopes beyond openid the e-service may ask for; absent = every scope Hoviat offers. */
  allowed_scopes?: string[];
};

export class ClientInputError extends Error {}

const AUTH_METHODS = ["client_secret_basic", "private_key_jwt"];
const GRANT_TYPES = ["authorization_code", "refresh_token"];

const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string" && s.length > 0);

/** Checks the shape; oidc-provider validates the metadata itself when the client is first used. */
export function parseClientInput(raw: unknown): ClientInput {
  const c = (raw ?? {}) as Record<string, unknown>;
  const fail = (why: string): never => {
    throw new ClientInputError(`client ${String(c.client_id ?? "?")}: ${why}`);
  };
  if (typeof c.client_id !== "string" || !/^[\w.:-]{1,100}$/.test(c.client_id)) fail("client_id is required");
  if (typeof c.client_name !== "string" || !c.client_name.trim()) fail("client_name is required");
  if (!strings(c.redirect_uris) || (c.redirect_uris as string[]).length === 0)
    fail("redirect_uris is required");
  if (!AUTH_METHODS.includes(c.token_endpoint_auth_method as string))
    fail(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(", ")}`);
  if (c.token_endpoint_auth_method === "client_secret_basic") {
    if (typeof c.client_secret !== "string" || c.client_secret.length < 32)
      fail("client_secret of at least 32 characters is required with client_secret_basic");
  }
  if (
    c.token_endpoint_auth_method === "private_key_jwt" &&
    !Array.isArray((c.jwks as { keys?: unknown })?.keys)
  )
    fail("jwks with the e-service's public keys is required with private_key_jwt");
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
  };
}

// Derived once per key of the ring, not on every token request.
const sealKeys = new Map<string, Buffer>();
function sealKey(secretKey: string): Buffer {
  let key = sealKeys.get(secretKey);
  if (!key) {
    key = createHash("sha256").update(`oidc-client-secret:${secretKey}`).digest();
    sealKeys.set(secretKey, key);
  }
  return key;
}

function seal(value: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey(secretKey), iv);
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

/** Opens a seal with whichever key of the ring made it (AES-GCM refuses every other). */
function unseal(sealed: string, secretKeys: readonly string[]): string {
  const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
  for (const key of secretKeys) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", sealKey(key), iv!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(body!), decipher.final()]).toString("utf8");
    } catch {
      // not this key's seal
    }
  }
  throw new Error("an e-service's secret is sealed under no key of SECRET_KEY: register its secret again");
}

/** The stored form: the secret sealed under `client_secret_sealed`. */
function sealMetadata(metadata: Record<string, unknown>, secretKey: string) {
  const { client_secret, ...rest } = metadata;
  return typeof client_secret === "string"
    ? { ...rest, client_secret_sealed: seal(client_secret, secretKey) }
    : rest;
}

export function readClientSecret<T extends Record<string, unknown>>(
  stored: T,
  secretKeys: readonly string[],
): T {
  const { client_secret_sealed, ...rest } = stored;
  if (typeof client_secret_sealed !== "string") return rest as T;
  return { ...rest, client_secret: unseal(client_secret_sealed, secretKeys) } as unknown as T;
}

export async function upsertClient(
  db: Db,
  input: ClientInput,
  source: "file" | "cli" | "console",
  secretKey: string,
  now: Date,
): Promise<void> {
  const metadata = JSON.stringify(sealMetadata(toMetadata(input), secretKey));
  await db
    .insertInto("oidc_clients")
    .values({ client_id: input.client_id, metadata, source, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column("client_id").doUpdateSet({ metadata, source, updated_at: now }))
    .execute();
  forgetClient(db, input.client_id);
}

/**
 * At start, every e-service secret sealed under an older key of SECRET_KEY's ring is sealed again under
 * the first, as staff TOTP seals are at sign-in: once every instance has started under `new,old`, the
 * old key can be removed without any e-service losing its secret. Returns how many were sealed again.
 */
export async function resealClients(db: Db, secretKeys: readonly string[], now: Date): Promise<number> {
  const [current, ...older] = secretKeys;
  if (!current || older.length === 0) return 0;
  let resealed = 0;
  for (const row of await db.selectFrom("oidc_clients").select(["client_id", "metadata"]).execute()) {
    const stored = row.metadata as Record<string, unknown>;
    if (typeof stored.client_secret_sealed !== "string") continue;
    try {
      unseal(stored.client_secret_sealed, [current]);
      continue; // already under the current key
    } catch {
      // under an older key, or none (then it stays as it is and the e-service's sign-in says so)
    }
    let opened: Record<string, unknown>;
    try {
      opened = readClientSecret(stored, older);
    } catch {
      continue;
    }
    const metadata = JSON.stringify(sealMetadata(opened, current));
    await db
      .updateTable("oidc_clients")
      .set({ metadata, updated_at: now })
      .where("client_id", "=", row.client_id)
      .execute();
    forgetClient(db, row.client_id);
    resealed++;
  }
  return resealed;
}

/**
 * How long an e-service's metadata, its secret opened, is used without reading oidc_clients again:
 * otherwise every token request costs a statement and an AES-GCM open. A change made by this process
 * (console, start) takes effect at once; one made by the CLI or another instance within this time.
 */
export const CLIENT_CACHE_MS = 5_000;
type CachedClient = { metadata: Record<string, unknown> | undefined; until: number };
const clientCaches = new WeakMap<Db, Map<string, CachedClient>>();

function forgetClient(db: Db, clientId: string) {
  clientCaches.get(db)?.delete(clientId);
}

/** The e-service's oidc-provider metadata with its secret opened, or undefined if there is none. */
export async function findClientMetadata(
  db: Db,
  clientId: string,
  secretKeys: readonly string[],
  now: Date,
): Promise<Record<string, unknown> | undefined> {
  let cache = clientCaches.get(db);
  if (!cache) {
    cache = new Map();
    clientCaches.set(db, cache);
  }
  const hit = cache.get(clientId);
  // A copy: oidc-provider may change what it is given, and the cached one must stay as stored.
  if (hit && hit.until > now.getTime()) return hit.metadata && structuredClone(hit.metadata);
  const row = await db
    .selectFrom("oidc_clients")
    .select("metadata")
    .where("client_id", "=", clientId)
    .executeTakeFirst();
  const metadata = row ? readClientSecret(row.metadata as Record<string, unknown>, secretKeys) : undefined;
  // Unknown ids are not remembered: anyone can send them, and the map would grow without bound.
  if (metadata)
    cache.set(clientId, { metadata: structuredClone(metadata), until: now.getTime() + CLIENT_CACHE_MS });
  return metadata;
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

/** The e-services for the console: no secret, sealed or not. */
export async function listClients(db: Db) {
  const rows = await db.selectFrom("oidc_clients").selectAll().orderBy("client_id").execute();
  return rows.map((r) => {
    const { client_secret_sealed: _sealed, ...metadata } = r.metadata as Record<string, unknown>;
    return {
      clientId: r.client_id,
      source: r.source,
      metadata,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  });
}

export async function deleteClient(db: Db, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom("oidc_clients").where("client_id", "=", clientId).executeTakeFirst();
  forgetClient(db, clientId);
  return Number(result.numDeletedRows) > 0;
}

export async function clientNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("oidc_clients")
    .select(["client_id", "metadata"])
    .where("client_id", "in", ids)
    .execute();
  return new Map(
    rows.map((r) => [
      r.client_id,
      String((r.metadata as { client_name?: string }).client_name ?? r.client_id),
    ]),
  );
}
