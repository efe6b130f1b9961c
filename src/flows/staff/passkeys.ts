// Staff passkeys (R-MFA), on the citizens' code (src/flows/passkeys/webauthn.ts, owner_kind 'staff'):
// enrolled from the console, the second factor instead of the app's code, or the whole sign-in alone.
// Administrators need one (the console's rules send an admin without one here first). Every action is
// in the audit trail.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import { withMethods } from "../../domain/authentication-level.ts";
import type { Http } from "../../platform/http.ts";
import { Problem } from "../../platform/problems.ts";
import { credentialSchema, PASSKEY_OPTIONS_RULE } from "../passkeys/routes.ts";
import {
  authenticationOptions,
  listPasskeys,
  NAME_MAX,
  ownPasskey,
  PasskeyRefused,
  passkeyName,
  registerCredential,
  registrationOptions,
  verifyAssertion,
} from "../passkeys/webauthn.ts";
import { clientOf, recordAudit } from "./audit.ts";
import { admittedStaff } from "./context.ts";
import type { StaffRouteDeps } from "./deps.ts";
import { actorOf, proveStaff, STAFF_ADDRESS_RULE, type StaffDeps } from "./service.ts";
import { createStaffSession, revokeStaffSession, type StaffRules, staffOf } from "./sessions.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const idParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const proof = Type.Object({ currentPassword: text(128) });

export function staffPasskeyRoutes(
  app: Http,
  deps: StaffRouteDeps,
  rules: StaffRules,
  signIn: StaffDeps,
  setCookie: (reply: FastifyReply, token: string, expiresAt: Date) => void,
) {
  const signedIn = { onRequest: rules.signedIn };
  const owner = (id: string) => ({ kind: "staff" as const, id });

  app.get("/api/staff/passkeys", signedIn, async (request) =>
    listPasskeys(deps.db, owner(staffOf(request).id)),
  );

  app.post(
    "/api/staff/passkeys/registration/options",
    { ...signedIn, schema: { body: Type.Optional(proof) } },
    async (request) => {
      const staff = staffOf(request);
      await proveStaff(signIn, staff, request.body ?? {});
      return registrationOptions(deps, owner(staff.id), { name: staff.username, displayName: staff.name });
    },
  );

  const enrol = Type.Object({ response: credentialSchema, name: text(200) });
  app.post(
    "/api/staff/passkeys/registration",
    { ...signedIn, schema: { body: enrol } },
    async (request, reply) => {
      const staff = staffOf(request);
      const now = deps.clock.now();
      const name = passkeyName(request.body.name, "Passkey");
      const created = await deps.db.transaction().execute(async (trx) => {
        const passkey = await registerCredential(
          { ...deps, db: trx },
          owner(staff.id),
          request.body.response as RegistrationResponseJSON,
          name,
        );
        const details = { passkey: passkey.id, name };
        await recordAudit(trx, staff, { action: "staff.passkey.added", details }, clientOf(request), now);
        return passkey;
      });
      return reply.status(201).send(created);
    },
  );

  const rename = Type.Object({ name: text(NAME_MAX * 2) });
  app.patch(
    "/api/staff/passkeys/:id",
    { ...signedIn, schema: { params: idParams, body: rename } },
    async (request, reply) => {
      const staff = staffOf(request);
      const passkey = await ownPasskey(deps.db, owner(staff.id), request.params.id);
      const name = passkeyName(request.body.name, "");
      if (!name) throw new Problem(400, "invalidInput");
      const now = deps.clock.now();
      await deps.db.transaction().execute(async (trx) => {
        await trx.updateTable("passkeys").set({ name }).where("id", "=", passkey.id).execute();
        const details = { passkey: passkey.id, from: passkey.name, to: name };
        await recordAudit(trx, staff, { action: "staff.passkey.renamed", details }, clientOf(request), now);
      });
      return reply.status(204).send();
    },
  );

  app.delete(
    "/api/staff/passkeys/:id",
    { ...signedIn, schema: { params: idParams, body: Type.Optional(proof) } },
    async (request, reply) => {
      const staff = staffOf(request);
      await proveStaff(signIn, staff, request.body ?? {});
      const passkey = await ownPasskey(deps.db, owner(staff.id), request.params.id);
      const now = deps.clock.now();
      await deps.db.transaction().execute(async (trx) => {
        await trx.deleteFrom("passkeys").where("id", "=", passkey.id).execute();
        const left = await trx
          .selectFrom("passkeys")
          .select("id")
          .where("owner_kind", "=", "staff")
          .where("owner_id", "=", staff.id)
          .executeTakeFirst();
        // An administrator keeps at least one: enrol the new one first, then remove the old.
        if (staff.role === "admin" && !left) throw new Problem(409, "staff.passkeyLastOfAdmin");
        const details = { passkey: passkey.id, name: passkey.name };
        await recordAudit(trx, staff, { action: "staff.passkey.removed", details }, clientOf(request), now);
      });
      return reply.status(204).send();
    },
  );

  // Sign-in: with no session, a discoverable passkey of any member; after the password, that member's.
  const optional = { onRequest: rules.optionalSession };
  const optionsGuard = deps.challenges.guard({ ...PASSKEY_OPTIONS_RULE, scope: "staff-passkey-options" });
  app.post("/api/staff/login/passkey/options", { ...optional, ...optionsGuard }, async (request) =>
    authenticationOptions(deps, "staff", admittedStaff(request)?.id ?? null),
  );

  const guard = deps.challenges.guard({ ...STAFF_ADDRESS_RULE, failureStatuses: [400, 401, 403] });
  const body = Type.Object({ response: credentialSchema });
  app.post(
    "/api/staff/login/passkey",
    { ...optional, ...guard, schema: { body } },
    async (request, reply) => {
      const session = admittedStaff(request) ?? null;
      const client = clientOf(request);
      const now = deps.clock.now();
      let found: Awaited<ReturnType<typeof verifyAssertion>>;
      try {
        found = await verifyAssertion(
          deps,
          "staff",
          request.body.response as AuthenticationResponseJSON,
          session?.id ?? null,
        );
      } catch (error) {
        if (error instanceof PasskeyRefused) {
          const member = error.passkey
            ? await deps.db
                .selectFrom("staff")
                .selectAll()
                .where("id", "=", error.passkey.owner_id)
                .executeTakeFirst()
            : undefined;
          const details = { reason: error.reason, ...(error.passkey ? { passkey: error.passkey.id } : {}) };
          const entry = { action: "staff.login.passkey", result: "failed" as const, details };
          await recordAudit(deps.db, member ? actorOf(member) : null, entry, client, now);
        }
        throw error;
      }
      const staff = await deps.db
        .selectFrom("staff")
        .selectAll()
        .where("id", "=", found.passkey.owner_id)
        .executeTakeFirstOrThrow();
      const actor = actorOf(staff);
      if (staff.status !== "active") {
        await recordAudit(deps.db, actor, { action: "staff.login.passkey", result: "refused" }, client, now);
        throw new Problem(403, "staff.locked");
      }
      // After the password: its second factor. Alone: both (possession + the member's verification).
      const amr = withMethods(session?.amr ?? [], found.method, "user");
      if (session) await revokeStaffSession(deps.db, session.idHash, now);
      const opened = await createStaffSession(deps.db, staff.id, "full", now, deps.policy, client, amr);
      const details = { passkey: found.passkey.id, amr };
      await recordAudit(deps.db, actor, { action: "staff.login.passkey", details }, client, now);
      setCookie(reply, opened.token, opened.expiresAt);
      return { next: "done" };
    },
  );
}
