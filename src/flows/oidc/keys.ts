// Signing keys of ID tokens and logout tokens, kept in the database (oidc_keys) so that every
// instance signs with the same keys, and rotated without a restart (issue 20): a rotation adds an
// ES256 and an RS256 key that are published at once and sign only after a grace period (the time
// e-services may keep the JWKS cached); the key they replace stays published for the longest life of
// a token it signed (an ID token comes back as id_token_hint for as long as the session lives), then
// goes. Each instance reads the table every minute and at each change it knows is due.
import { exportJWK, generateKeyPair } from "jose";
import type Provider from "oidc-provider";
// Not part of oidc-provider's typed API: the function that builds its keystore and public JWKS from
// `jwks` at construction; called again on the instance, it swaps both (9.13.3, pinned; keys.test).
import initializeKeystore from "oidc-provider/lib/helpers/initialize_keystore.js";
import type { Logger } from "pino";
import type { Db } from "../../platform/database.ts";

const ALGS = ["ES256", "RS256"] as const;
type Alg = (typeof ALGS)[number];

/** How a rotation unfolds: when a new key signs, how long a replaced one stays published. */
export type KeyTimes = { graceMs: number; longestTokenMs: number };

async function newKey(alg: Alg, now: Date, activeAt: Date) {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "RS256" ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  const kid = crypto.randomUUID();
  return {
    kid,
    alg,
    private_jwk: JSON.stringify({ ...jwk, kid, alg, use: "sig" }),
    created_at: now,
    active_at: activeAt,
  };
}

/** Adds a key of each algorithm, published now, signing from `now + graceMs`. */
export async function rotateKeys(
  db: Db,
  now: Date,
  graceMs: number,
): Promise<{ kids: string[]; activeAt: Date }> {
  const activeAt = new Date(now.getTime() + graceMs);
  const keys = await Promise.all(ALGS.map((alg) => newKey(alg, now, activeAt)));
  await db.insertInto("oidc_keys").values(keys).execute();
  return { kids: keys.map((k) => k.kid), activeAt };
}

type Row = { kid: string; alg: string; private_jwk: unknown; active_at: Date };

/**
 * The keys to publish, the signing one of each algorithm first (oidc-provider signs with the first that
 * fits), and when this changes next. Keys past their time are deleted; an algorithm with no key gets
 * one that signs at once (the first start).
 */
export async function currentKeys(db: Db, now: Date, times: KeyTimes) {
  const read = () =>
    db
      .selectFrom("oidc_keys")
      .select(["kid", "alg", "private_jwk", "active_at"])
      .orderBy("active_at", "desc")
      .execute();
  let rows: Row[] = await read();
  const missing = ALGS.filter((alg) => !rows.some((r) => r.alg === alg));
  if (missing.length) {
    // Two instances starting together may both do it; both keys are then published, the newer signs.
    await db
      .insertInto("oidc_keys")
      .values(await Promise.all(missing.map((alg) => newKey(alg, now, now))))
      .execute();
    rows = await read();
  }
  const signing: Row[] = [];
  const published: Row[] = [];
  const gone: string[] = [];
  let nextChange = Number.POSITIVE_INFINITY;
  for (const alg of ALGS) {
    const ofAlg = rows.filter((r) => r.alg === alg); // newest activation first
    const current = ofAlg.findIndex((r) => r.active_at.getTime() <= now.getTime());
    const signer = current === -1 ? ofAlg.length - 1 : current;
    for (const [i, row] of ofAlg.entries()) {
      if (i === signer) signing.push(row);
      else if (i < signer) {
        nextChange = Math.min(nextChange, row.active_at.getTime());
        published.push(row);
      } else {
        // Replaced when the key before it in the list (its successor) became active.
        const until = ofAlg[i - 1]!.active_at.getTime() + times.longestTokenMs;
        if (i - 1 === signer && until > now.getTime()) {
          nextChange = Math.min(nextChange, until);
          published.push(row);
        } else gone.push(row.kid);
      }
    }
  }
  if (gone.length) await db.deleteFrom("oidc_keys").where("kid", "in", gone).execute();
  const jwk = (r: Row) =>
    (typeof r.private_jwk === "string" ? JSON.parse(r.private_jwk) : r.private_jwk) as Record<
      string,
      unknown
    >;
  return {
    jwks: { keys: [...signing, ...published].map(jwk) },
    signing: signing.map((r) => r.kid),
    nextChange: Number.isFinite(nextChange) ? new Date(nextChange) : undefined,
  };
}

/** The private JWKS for oidc-provider at start. */
export async function loadJwks(db: Db, now: Date, times: KeyTimes) {
  return (await currentKeys(db, now, times)).jwks;
}

export const KEY_POLL_MS = 60_000;

/**
 * Keeps the provider's keys as the table says, without a restart: every minute, and when a published
 * key is due to sign or a replaced one to go. Returns a stop function and a `refresh` for this process.
 */
export function followKeys(
  provider: Provider,
  deps: { db: Db; now: () => Date; times: KeyTimes; logger: Logger },
) {
  let signing = "";
  let published = "";
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const refresh = async () => {
    const now = deps.now();
    const keys = await currentKeys(deps.db, now, deps.times);
    const kids = keys.jwks.keys.map((k) => String(k.kid)).join();
    if (kids !== published || keys.signing.join() !== signing) {
      initializeKeystore.call(provider, keys.jwks);
      if (published && keys.signing.join() !== signing)
        deps.logger.info({ signing: keys.signing }, "oidc signing keys changed");
      published = kids;
      signing = keys.signing.join();
    }
    return keys.nextChange;
  };
  const schedule = (nextChange: Date | undefined) => {
    if (stopped) return;
    const untilChange = nextChange ? nextChange.getTime() - deps.now().getTime() : KEY_POLL_MS;
    timer = setTimeout(tick, Math.max(1_000, Math.min(KEY_POLL_MS, untilChange)));
    timer.unref();
  };
  const tick = () => {
    refresh()
      .then(schedule)
      .catch((err) => {
        deps.logger.warn({ err }, "oidc signing keys could not be read");
        schedule(undefined);
      });
  };
  schedule(undefined);
  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
