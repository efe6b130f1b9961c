// Every refusal of a console route is audited (issue 10, part 9): not signed in, wrong role, another
// branch's work, a handed-over password not yet changed. One hook sees them all, whichever rule or
// service threw, so that a new route cannot forget it. Refusals audited where they happen are skipped.
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import { clientOf, recordAudit } from "./audit.ts";
import { sessionOf } from "./context.ts";

/** Already written by the sign-in itself (`staff.login` failed/refused). */
const AUDITED_WHERE_THROWN = new Set(["invalidCredentials", "staff.locked"]);

export function auditRefusals(app: Http, deps: { db: Db; clock: { now(): Date } }): void {
  app.addHook("onError", async (request, _reply, error) => {
    if (!request.url.startsWith("/api/staff")) return;
    if (!(error instanceof Problem) || (error.status !== 401 && error.status !== 403)) return;
    if (AUDITED_WHERE_THROWN.has(error.code)) return;
    const staff = sessionOf(request);
    const actor = staff
      ? { id: staff.id, username: staff.username, role: staff.role, branchId: staff.branchId }
      : null;
    const details = {
      code: error.code,
      method: request.method,
      route: request.routeOptions.url ?? request.url,
    };
    try {
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
