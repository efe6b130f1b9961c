// Every refusal of a console route is audited (issue 10, part 9): not signed in, wrong role, another
// branch's work, a handed-over password not yet changed. One hook sees them all, whichever rule or
// service threw, so that a new route cannot forget it. Refusals audited where they happen are skipped.
// A refusal carrying a live staff session is that member's, written every time, even when it came
// before any rule (another site's POST). Refusals of no one's session are counted per address, and
// only the 1st, 10th, 100th… of an hour written: anyone on the internet can ask, and the trail must
// not become theirs to fill.
import type { FastifyRequest } from "fastify";
import type { Challenges } from "../../platform/challenge.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import { clientOf, recordAudit } from "./audit.ts";
import { type StaffContext, sessionOf } from "./context.ts";
import { readStaffSession, STAFF_COOKIE, type StaffSessionPolicy } from "./sessions.ts";

/** Already written by the sign-in itself (`staff.login` failed/refused). */
const AUDITED_WHERE_THROWN = new Set(["invalidCredentials", "staff.locked"]);

const ANONYMOUS_WINDOW_MS = 3_600_000;

/** 1, 10, 100, …: the counts of an address's anonymous refusals that are written. */
function isWrittenCount(count: number): boolean {
  let n = count;
  while (n >= 10 && n % 10 === 0) n /= 10;
  return n === 1;
}

type RefusalDeps = {
  db: Db;
  clock: { now(): Date };
  throttles: ThrottleStore;
  challenges: Challenges;
  policy: StaffSessionPolicy;
};

/**
 * The live session a request refused before any console rule looked at it (the origin check refuses
 * another site's POST first) still carries: its refusal is that staff member's, written every time.
 */
async function carriedSession(request: FastifyRequest, deps: RefusalDeps): Promise<StaffContext | null> {
  const token = request.cookies?.[STAFF_COOKIE];
  if (!token) return null;
  return readStaffSession(deps.db, token, deps.clock.now(), deps.policy).catch(() => null);
}

export function auditRefusals(app: Http, deps: RefusalDeps): void {
  app.addHook("onError", async (request, _reply, error) => {
    if (!request.url.startsWith("/api/staff")) return;
    if (!(error instanceof Problem) || (error.status !== 401 && error.status !== 403)) return;
    if (AUDITED_WHERE_THROWN.has(error.code)) return;
    const staff = sessionOf(request) ?? (await carriedSession(request, deps));
    const actor = staff
      ? { id: staff.id, username: staff.username, role: staff.role, branchId: staff.branchId }
      : null;
    const details: Record<string, unknown> = {
      code: error.code,
      method: request.method,
      route: request.routeOptions.url ?? request.url,
    };
    try {
      if (!actor) {
        const key = `staff-refused:ip:${deps.challenges.addressOf(request).key}`;
        const { count } = await deps.throttles.hit(key, ANONYMOUS_WINDOW_MS, deps.clock.now());
        if (!isWrittenCount(count)) return;
        details.countThisHour = count;
      }
      await recordAudit(
        deps.db,
        actor,
        { action: "staff.access.refused", result: "refused", details },
        clientOf(request),
        deps.clock.now(),
      );
    } catch (err) {
      request.log.error({ err }, "refusal not audited");
    }
  });
}
