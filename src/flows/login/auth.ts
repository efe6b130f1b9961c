// Resolves the session cookie of a request to its account, or answers 401.
import type { FastifyRequest } from "fastify";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { Unauthorized } from "../../platform/problems.ts";
import { resolveSession, SESSION_COOKIE, type SessionPolicy } from "./sessions.ts";

export type AuthDeps = { db: Db; clock: Clock; sessions: SessionPolicy };
export type Authenticated = { accountId: string; idHash: string };

export async function requireSession(deps: AuthDeps, request: FastifyRequest): Promise<Authenticated> {
  const token = request.cookies[SESSION_COOKIE];
  const session = token ? await resolveSession(deps.db, token, deps.clock.now(), deps.sessions) : null;
  if (!session) throw new Unauthorized();
  return session;
}
