// Resolves the session cookie of a request to its account, or answers 401. A half session (password
// given, second factor due) is answered `401 login.secondFactorRequired` everywhere but the
// second-factor routes, which use requireHalfSession.
import type { FastifyRequest } from "fastify";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import { Unauthorized } from "../../platform/problems.ts";
import { type ResolvedSession, resolveSession, SESSION_COOKIE, type SessionPolicy } from "./sessions.ts";

export type AuthDeps = { db: Db; clock: Clock; sessions: SessionPolicy };
export type Authenticated = ResolvedSession;

/** The full session of the request's cookie: 401, or 401 login.secondFactorRequired for a half one. */
export async function requireSession(deps: AuthDeps, request: FastifyRequest): Promise<Authenticated> {
  const session = await anySession(deps, request);
  if (!session) throw new Unauthorized();
  if (session.stage !== "full") throw new Unauthorized("login.secondFactorRequired");
  return session;
}

/** The half session of the request's cookie (the second-factor routes); 401 for none. */
export async function requireHalfSession(deps: AuthDeps, request: FastifyRequest): Promise<Authenticated> {
  const session = await anySession(deps, request);
  if (!session || session.stage !== "second_factor") throw new Unauthorized();
  return session;
}

/** The full or half session of the request's cookie, or null. */
export async function anySession(deps: AuthDeps, request: FastifyRequest): Promise<ResolvedSession | null> {
  const token = request.cookies[SESSION_COOKIE];
  return token ? resolveSession(deps.db, token, deps.clock.now(), deps.sessions) : null;
}
