// Login (R-LOGIN): one path for known and unknown national IDs (a real argon2 verify either way),
// failures counted per national ID and per IP with an exponential lockout, sessions server-side.
import { parseNationalId } from "../../domain/national-id.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Lockout } from "../../platform/lockout.ts";
import { dummyHash, hashSecret, needsRehash, verifySecret } from "../../platform/passwords.ts";
import { InvalidInput, Problem, Unauthorized } from "../../platform/problems.ts";
import { recordEvent } from "../account/security-events.ts";
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

export type LoginDeps = {
  db: Db;
  clock: Clock;
  sessions: SessionPolicy;
  rateLimits: boolean;
  lockout: Lockout;
};
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
  if (deps.rateLimits) await deps.lockout.check([idKey, ipKey], now);

  const account = await deps.db
    .selectFrom("accounts")
    .select(["id", "status", "password_hash"])
    .where("national_id", "=", nationalId.value)
    .executeTakeFirst();
  const matches = await verifySecret(account?.password_hash ?? (await dummyHash()), password);
  if (!account || !matches) {
    if (deps.rateLimits) {
      await deps.lockout.fail(
        [
          { key: idKey, limit: LOGIN_LIMITS.failuresPerNationalId },
          { key: ipKey, limit: LOGIN_LIMITS.failuresPerIp },
        ],
        now,
      );
    }
    throw new Unauthorized("invalidCredentials");
  }
  if (deps.rateLimits) await deps.lockout.succeed(idKey);
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
  // Only successes are recorded: a row written for failures of existing accounts alone would make
  // them slower than unknown IDs, a timing oracle.
  await recordEvent(
    deps.db,
    { accountId: account.id, nationalId: nationalId.value, type: "login.succeeded" },
    client,
    now,
  );
  return createSession(deps.db, account.id, now, deps.sessions, client);
}
