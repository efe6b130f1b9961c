// Signing keys of ID tokens and logout tokens, kept in the database (oidc_keys) so that every
// instance signs with the same keys. `npm run cli -- oidc-keys:rotate` adds a new ES256 and RS256
// pair; the previous keys stay published in the JWKS (tokens already issued still verify) until
// the rotation after, which drops them. Instances read the keys at start: restart them after a rotation.
import { exportJWK, generateKeyPair } from "jose";
import type { Db } from "../../platform/database.ts";

const ALGS = ["ES256", "RS256"] as const;

async function newKey(alg: (typeof ALGS)[number]) {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "RS256" ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  const kid = crypto.randomUUID();
  return { kid, alg, private_jwk: JSON.stringify({ ...jwk, kid, alg, use: "sig" }) };
}

/** Adds a key of each algorithm, retires the ones before and drops those retired earlier. */
export async function rotateKeys(db: Db, now: Date): Promise<string[]> {
  const keys = await Promise.all(ALGS.map(newKey));
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("oidc_keys").where("retired_at", "is not", null).execute();
    await trx.updateTable("oidc_keys").set({ retired_at: now }).where("retired_at", "is", null).execute();
    await trx
      .insertInto("oidc_keys")
      .values(keys.map((k) => ({ ...k, created_at: now })))
      .execute();
  });
  return keys.map((k) => k.kid);
}

/** The private JWKS for oidc-provider: current keys first (the first of an algorithm signs). */
export async function loadJwks(db: Db, now: Date): Promise<{ keys: Record<string, unknown>[] }> {
  const read = () =>
    db.selectFrom("oidc_keys").select(["private_jwk", "retired_at"]).orderBy("created_at", "desc").execute();
  let rows = await read();
  if (!rows.some((r) => !r.retired_at)) {
    // The first start: create keys. Two instances starting together may both do it; the newest wins.
    await rotateKeys(db, now);
    rows = await read();
  }
  const current = rows.filter((r) => !r.retired_at);
  const retired = rows.filter((r) => r.retired_at);
  return { keys: [...current, ...retired].map((r) => r.private_jwk as Record<string, unknown>) };
}
