// Login (R-LOGIN): one path for known and unknown national IDs (a real argon2 verify either way),
// failures counted per national ID and per IP with an exponential lockout, sessions server-side.
import { parseNationalId } from "../../domain/national-id.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { dummyHash, hashSecret, needsRehash, verifySecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, TooManyRequests, Unauthorized } from "../../platform/problems.ts";
import { clear, hit, lock, lockedUntil } from "../../platform/throttle.ts";
import { createSession, type SessionPolicy } from "./sessions.ts";

export const LOGIN_LIMITS = {
  /** Failures of one national ID before it is locked; each further failure doubles the lock. */
  failuresPerNationalId: 5,
  /** Failures from one IP address before that address is locked. */
  failuresPerIp: 50,
  windowMs: 15 * 60_000,
  lockBaseMs: 60_000,
  lockMaxMs: 60 * 60_000,
};

export type LoginDeps = { db: Db; clock: Clock; sessions: SessionPolicy; rateLimits: boolean };
export type Client = { ip: string | null; userAgent: string | null };

export async function login(
  deps: LoginDeps,
  body: { nationalId?: unknown; password?: unknown },
  client: Client,
) {
  const nationalId = parseNationalId(body.nationalId);
  const password = typeof body.password === "string" ? body.password : "";
  if (!nationalId.ok) throw new InvalidInput([{ field: "nationalId", code: nationalId.code }]);
  if (!password) throw new InvalidInput([{ field: "password", code: "password.required" }]);

  const now = deps.clock.now();
  const idKey = `login:nid:${nationalId.value}`;
  const ipKey = `login:ip:${client.ip ?? "unknown"}`;
  if (deps.rateLimits) {
    const until = await lockedUntil(deps.db, [idKey, ipKey], now);
    if (until) throw new TooManyRequests((until.getTime() - now.getTime()) / 1000);
  }

  const account = await deps.db
    .selectFrom("accounts")
    .select(["id", "status", "password_hash"])
    .where("national_id", "=", nationalId.value)
    .executeTakeFirst();
  const matches = await verifySecret(account?.password_hash ?? (await dummyHash()), password);
  if (!account || !matches) {
    if (deps.rateLimits) await recordFailure(deps.db, idKey, ipKey, now);
    throw new Unauthorized("invalidCredentials");
  }
  if (deps.rateLimits) await clear(deps.db, idKey);
  if (account.status !== "active") {
    throw new Problem(403, `accountNotActive.${account.status}`, { status: account.status });
  }
  if (needsRehash(account.password_hash)) {
    await deps.db
      .updateTable("accounts")
      .set({ password_hash: await hashSecret(password), updated_at: now })
      .where("id", "=", account.id)
      .execute();
  }
  return createSession(deps.db, account.id, now, deps.sessions, client);
}

async function recordFailure(db: Db, idKey: string, ipKey: string, now: Date) {
  for (const [key, limit] of [
    [idKey, LOGIN_LIMITS.failuresPerNationalId],
    [ipKey, LOGIN_LIMITS.failuresPerIp],
  ] as const) {
    const { count } = await hit(db, key, LOGIN_LIMITS.windowMs, now);
    if (count >= limit) {
      const ms = Math.min(LOGIN_LIMITS.lockMaxMs, LOGIN_LIMITS.lockBaseMs * 2 ** (count - limit));
      await lock(db, key, new Date(now.getTime() + ms));
    }
  }
}
