// The citizen's e-services (R-SSO): which ones they signed in to, and «قطع دسترسی».
import { Type } from "typebox";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import { requireSession } from "../login/auth.ts";
import type { SessionPolicy } from "../login/sessions.ts";
import { listEservices, revokeEservice } from "./consents.ts";
import { signOutOfEservice } from "./logout.ts";

export function eserviceRoutes(app: Http, deps: { db: Db; clock: Clock; sessions: SessionPolicy }) {
  app.get("/api/account/eservices", async (request) => {
    const auth = await requireSession(deps, request);
    return listEservices(deps.db, auth.accountId);
  });

  const params = Type.Object({ clientId: Type.String({ maxLength: 100 }) });
  app.delete("/api/account/eservices/:clientId", { schema: { params } }, async (request, reply) => {
    const auth = await requireSession(deps, request);
    const account = await deps.db
      .selectFrom("accounts")
      .select("national_id")
      .where("id", "=", auth.accountId)
      .executeTakeFirstOrThrow();
    await signOutOfEservice(deps.db, auth.accountId, request.params.clientId);
    const revoked = await revokeEservice(
      deps.db,
      { accountId: auth.accountId, nationalId: account.national_id },
      request.params.clientId,
      { ip: request.ip, userAgent: request.headers["user-agent"] ?? null },
      deps.clock.now(),
    );
    if (!revoked) throw new Problem(404, "notFound");
    return reply.status(204).send();
  });
}
