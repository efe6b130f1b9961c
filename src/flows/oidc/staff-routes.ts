// The e-services in the branch console: admins list, register and remove them; each change audited.
import { Type } from "typebox";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Http } from "../../platform/http.ts";
import { InvalidInput, Problem } from "../../platform/problems.ts";
import { clientOf, recordAudit } from "../staff/audit.ts";
import { type StaffSessionPolicy, staffOf, staffRules } from "../staff/sessions.ts";
import { type ClientInput, ClientInputError, parseClientInput } from "./client-input.ts";
import { deleteClient, listClients, upsertClient } from "./clients.ts";
import { rotateKeys } from "./keys.ts";

export type ClientAdminDeps = {
  db: Db;
  clock: Clock;
  policy: StaffSessionPolicy;
  secretKey: string;
  /** oidc-provider's own check of the metadata (redirect URIs, keys, sector). */
  validate: (input: ClientInput) => Promise<void>;
  keyGraceMs: number;
  /** Reads the keys again in this process (other instances follow within a minute). */
  refreshKeys: () => Promise<unknown>;
};

export function clientAdminRoutes(app: Http, deps: ClientAdminDeps) {
  const admin = { onRequest: staffRules(deps).admin };

  app.get("/api/staff/admin/oidc-clients", admin, async () => listClients(deps.db));

  const body = Type.Object({}, { additionalProperties: true });
  app.post("/api/staff/admin/oidc-clients", { ...admin, schema: { body } }, async (request, reply) => {
    let input: ReturnType<typeof parseClientInput>;
    try {
      input = parseClientInput(request.body);
      await deps.validate(input);
    } catch (error) {
      if (!(error instanceof ClientInputError)) throw error;
      throw new InvalidInput([{ field: "body", code: "oidc.client.invalid" }]);
    }
    const now = deps.clock.now();
    await upsertClient(deps.db, input, "console", deps.secretKey, now);
    const details = { clientId: input.client_id, name: input.client_name, redirectUris: input.redirect_uris };
    await recordAudit(
      deps.db,
      staffOf(request),
      { action: "admin.oidcClient.saved", details },
      clientOf(request),
      now,
    );
    return reply.status(201).send({ clientId: input.client_id });
  });

  app.get("/api/staff/admin/oidc-keys", admin, async () => {
    const rows = await deps.db
      .selectFrom("oidc_keys")
      .select(["kid", "alg", "created_at", "active_at"])
      .orderBy("active_at", "desc")
      .execute();
    return rows.map((r) => ({ kid: r.kid, alg: r.alg, createdAt: r.created_at, activeAt: r.active_at }));
  });

  app.post("/api/staff/admin/oidc-keys/rotation", admin, async (request, reply) => {
    const now = deps.clock.now();
    const { kids, activeAt } = await rotateKeys(deps.db, now, deps.keyGraceMs);
    await deps.refreshKeys();
    await recordAudit(
      deps.db,
      staffOf(request),
      { action: "admin.oidcKeys.rotated", details: { kids, activeAt: activeAt.toISOString() } },
      clientOf(request),
      now,
    );
    return reply.status(201).send({ kids, activeAt });
  });

  const params = Type.Object({ clientId: Type.String({ maxLength: 100 }) });
  app.delete(
    "/api/staff/admin/oidc-clients/:clientId",
    { ...admin, schema: { params } },
    async (request, reply) => {
      const { clientId } = request.params;
      if (!(await deleteClient(deps.db, clientId))) throw new Problem(404, "notFound");
      const now = deps.clock.now();
      await recordAudit(
        deps.db,
        staffOf(request),
        { action: "admin.oidcClient.deleted", details: { clientId } },
        clientOf(request),
        now,
      );
      return reply.status(204).send();
    },
  );
}
