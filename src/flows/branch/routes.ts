// The operator's routes of the branch console: find a person, activate, confirm the code sent to a
// corrected mobile, approve (four eyes), approve a mobile change waiting for the branch.
import { Type } from "typebox";
import { parseNationalId } from "../../domain/national-id.ts";
import type { Http } from "../../platform/http.ts";
import { InvalidInput } from "../../platform/problems.ts";
import { clientOf as client, recordAudit } from "../staff/audit.ts";
import type { StaffRouteDeps } from "../staff/deps.ts";
import { type StaffRules, staffOf } from "../staff/sessions.ts";
import { approveMobileChange } from "./mobile-change.ts";
import { findPerson } from "./person.ts";
import { approveActivation, startActivation, verifyActivationCode } from "./service.ts";

const nationalIdParams = Type.Object({ nationalId: Type.String({ maxLength: 32 }) });
const activationParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const documents = {
  nationalCardSeen: Type.Optional(Type.Boolean()),
  birthCertificateSeen: Type.Optional(Type.Boolean()),
};

function nationalIdOf(raw: string): string {
  const parsed = parseNationalId(raw);
  if (!parsed.ok) throw new InvalidInput([{ field: "nationalId", code: parsed.code }]);
  return parsed.value;
}

export function branchRoutes(app: Http, deps: StaffRouteDeps, rules: StaffRules) {
  app.get(
    "/api/staff/people/:nationalId",
    { schema: { params: nationalIdParams }, onRequest: rules.operator },
    async (request) => {
      const nationalId = nationalIdOf(request.params.nationalId);
      const staff = staffOf(request);
      // Looking someone up is itself recorded: who looked at whom, and when.
      await recordAudit(
        deps.db,
        staff,
        { action: "branch.person.viewed", targetNationalId: nationalId },
        client(request),
        deps.clock.now(),
      );
      return findPerson(deps.db, nationalId);
    },
  );

  const activate = Type.Object({ ...documents, mobile: Type.Optional(Type.String({ maxLength: 32 })) });
  app.post(
    "/api/staff/people/:nationalId/activation",
    { schema: { params: nationalIdParams, body: activate }, onRequest: rules.operator },
    async (request, reply) => {
      const nationalId = nationalIdOf(request.params.nationalId);
      const result = await startActivation(deps, staffOf(request), nationalId, request.body, client(request));
      return reply.status(result.status === "activated" ? 200 : 202).send(result);
    },
  );

  const code = Type.Object({ code: Type.Optional(Type.String({ maxLength: 32 })) });
  app.post(
    "/api/staff/activations/:id/verify",
    { schema: { params: activationParams, body: code }, onRequest: rules.operator },
    async (request, reply) => {
      const result = await verifyActivationCode(
        deps,
        staffOf(request),
        request.params.id,
        request.body,
        client(request),
      );
      return reply.status(result.status === "activated" ? 200 : 202).send(result);
    },
  );

  app.post(
    "/api/staff/activations/:id/approve",
    { schema: { params: activationParams }, onRequest: rules.operator },
    async (request) => approveActivation(deps, staffOf(request), request.params.id, client(request)),
  );

  const changeParams = Type.Object({
    nationalId: Type.String({ maxLength: 32 }),
    changeId: Type.String({ maxLength: 64 }),
  });
  app.post(
    "/api/staff/people/:nationalId/mobile-changes/:changeId/approve",
    { schema: { params: changeParams, body: Type.Object(documents) }, onRequest: rules.operator },
    async (request) => {
      const nationalId = nationalIdOf(request.params.nationalId);
      const { changeId } = request.params;
      return approveMobileChange(deps, staffOf(request), nationalId, changeId, request.body, client(request));
    },
  );
}
