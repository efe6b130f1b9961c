// The admin routes of the branch console: staff, branches, citizens' locks, and the figures to watch.
import { Type } from "typebox";
import { parseNationalId } from "../../domain/national-id.ts";
import type { Http } from "../../platform/http.ts";
import { InvalidInput } from "../../platform/problems.ts";
import {
  adminStats,
  changeStaff,
  createBranch,
  listBranches,
  listStaff,
  resetStaffPassword,
  setCitizenLock,
} from "./admin.ts";
import { clientOf, recordAudit } from "./audit.ts";
import type { StaffRouteDeps } from "./deps.ts";
import { createStaff } from "./service.ts";
import { type StaffRules, staffOf } from "./sessions.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const idParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function adminRoutes(app: Http, deps: StaffRouteDeps, rules: StaffRules) {
  const admin = { onRequest: rules.admin };

  app.get("/api/staff/admin/staff", admin, async () => listStaff(deps.db));

  const newStaff = Type.Object({ username: text(64), name: text(100), role: text(32), branchId: text(64) });
  app.post("/api/staff/admin/staff", { ...admin, schema: { body: newStaff } }, async (request, reply) => {
    const now = deps.clock.now();
    const created = await createStaff(deps.db, request.body, now);
    const details = { username: created.username, role: created.role };
    await recordAudit(
      deps.db,
      staffOf(request),
      { action: "admin.staff.created", details },
      clientOf(request),
      now,
    );
    // The one-time password is shown once, to the admin who hands it over; it is stored only hashed.
    return reply.status(201).send(created);
  });

  for (const [path, change] of [
    ["lock", "lock"],
    ["unlock", "unlock"],
    ["reset-totp", "resetTotp"],
  ] as const) {
    app.post(
      `/api/staff/admin/staff/:id/${path}`,
      { ...admin, schema: { params: idParams } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        await changeStaff(deps.db, staffOf(request), id, change, clientOf(request), deps.clock.now());
        return reply.status(204).send();
      },
    );
  }

  // Like staff:create, the one-time password is in this answer only; the member must replace it.
  app.post(
    "/api/staff/admin/staff/:id/reset-password",
    { ...admin, schema: { params: idParams } },
    async (request) => {
      const { id } = request.params as { id: string };
      return resetStaffPassword(deps.db, staffOf(request), id, clientOf(request), deps.clock.now());
    },
  );

  app.get("/api/staff/admin/branches", admin, async () => listBranches(deps.db));

  const branch = Type.Object({ code: text(32), name: text(100) });
  app.post("/api/staff/admin/branches", { ...admin, schema: { body: branch } }, async (request, reply) => {
    const created = await createBranch(
      deps.db,
      staffOf(request),
      request.body,
      clientOf(request),
      deps.clock.now(),
    );
    return reply.status(201).send(created);
  });

  const citizenParams = Type.Object({ nationalId: Type.String({ maxLength: 32 }) });
  const reason = Type.Object({ reason: text(500) });
  for (const locked of [true, false]) {
    app.post(
      `/api/staff/admin/citizens/:nationalId/${locked ? "lock" : "unlock"}`,
      { ...admin, schema: { params: citizenParams, body: reason } },
      async (request) => {
        const { nationalId: raw } = request.params as { nationalId: string };
        const parsed = parseNationalId(raw);
        if (!parsed.ok) throw new InvalidInput([{ field: "nationalId", code: parsed.code }]);
        const body = request.body as Record<string, unknown>;
        return setCitizenLock(
          deps.db,
          deps.jobs,
          staffOf(request),
          parsed.value,
          locked,
          body,
          clientOf(request),
          deps.clock.now(),
        );
      },
    );
  }

  app.get("/api/staff/admin/stats", admin, async () => adminStats(deps.db, deps.jobs, deps.clock.now()));
}
