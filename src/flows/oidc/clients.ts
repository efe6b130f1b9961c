// The e-services (OIDC clients): stored in oidc_clients as oidc-provider metadata, written from the
// OIDC_CLIENTS_FILE at start, by the CLI and by admins in the staff console. Secrets are sealed
// with SECRET_KEY (AES-256-GCM): a database dump alone does not let anyone act as an e-service.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import type { Db } from "../../platform/database.ts";
import { type ClientInput, toMetadata } from "./client-input.ts";

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
