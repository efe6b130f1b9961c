// The branch console's API under /api/staff: sign-in (password, then TOTP), sign-out, the signed-in
// staff member, the audit search, and (in their own files) the branch and admin routes. Every route
// declares its authorisation rule as its onRequest hook; a route without one is refused at start.
import type { FastifyReply } from "fastify";
import { Type } from "typebox";
import { parseNationalId } from "../../domain/national-id.ts";
import { SignInAttempts } from "../../platform/attempts.ts";
import type { Http } from "../../platform/http.ts";
import { InvalidInput } from "../../platform/problems.ts";
import { branchRoutes } from "../branch/routes.ts";
import { adminRoutes } from "./admin-routes.ts";
import { clientOf as client, recordAudit, searchAudit } from "./audit.ts";
import type { StaffRouteDeps } from "./deps.ts";
import { staffPasskeyRoutes } from "./passkeys.ts";
import { auditRefusals } from "./refusals.ts";
import {
  changeStaffPassword,
  STAFF_ADDRESS_RULE,
  STAFF_LOGIN_POLICY,
  staffPasswordStep,
  staffTotpStep,
} from "./service.ts";
import { RULE_PREFIX, revokeStaffSession, STAFF_COOKIE, staffOf, staffRules } from "./sessions.ts";

export type { StaffRouteDeps };

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

export function staffRoutes(app: Http, deps: StaffRouteDeps) {
  // Deny by default: a console route registered without a rule stops the server from starting.
  app.addHook("onRoute", (route) => {
    if (!route.url.startsWith("/api/staff/") && route.url !== "/api/staff") return;
    const hooks = [route.onRequest ?? []].flat();
    if (!hooks.some((h) => h.name.startsWith(RULE_PREFIX))) {
      throw new Error(`${route.method} ${route.url} declares no staff authorisation rule`);
    }
  });
  auditRefusals(app, deps);
  const rules = staffRules({ db: deps.db, clock: deps.clock, policy: deps.policy });
  // Staff failures follow the citizens' policy, under their own keys and challenge scope.
  const { challenges } = deps;
  const attempts = new SignInAttempts(
    { store: deps.throttles, clock: deps.clock, challenges },
    STAFF_LOGIN_POLICY,
    STAFF_ADDRESS_RULE.scope,
  );
  const guard = challenges.guard(STAFF_ADDRESS_RULE);
  const signIn = {
    ...deps,
    attempts,
    alert: (username: string) =>
      app.log.warn({ alert: "staff.login.capped", username }, "staff sign-in stopped at the failure cap"),
  };
  const setCookie = (reply: FastifyReply, token: string, expiresAt: Date) =>
    reply.setCookie(STAFF_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: deps.cookieSecure,
      expires: expiresAt,
    });

  const login = Type.Object({ username: text(64), password: text(128) });
  app.post(
    "/api/staff/login",
    { schema: { body: login }, onRequest: rules.public, ...guard },
    async (request, reply) => {
      const level = challenges.solvedLevel(request);
      const step = await staffPasswordStep(signIn, request.body, client(request), level);
      setCookie(reply, step.token, step.expiresAt);
      return {
        next: step.next,
        methods: step.methods,
        ...(step.enrolment ? { enrolment: step.enrolment } : {}),
      };
    },
  );

  const totp = Type.Object({ code: text(32) });
  app.post(
    "/api/staff/login/totp",
    { schema: { body: totp }, onRequest: rules.pendingTotp, ...guard },
    async (request, reply) => {
      const level = challenges.solvedLevel(request);
      const session = await staffTotpStep(signIn, staffOf(request), request.body, client(request), level);
      setCookie(reply, session.token, session.expiresAt);
      return { ok: true };
    },
  );

  app.post("/api/staff/logout", { onRequest: rules.anySession }, async (request, reply) => {
    const staff = staffOf(request);
    const now = deps.clock.now();
    await revokeStaffSession(deps.db, staff.idHash, now);
    await recordAudit(deps.db, { ...staff }, { action: "staff.logout" }, client(request), now);
    reply.clearCookie(STAFF_COOKIE, { path: "/" });
    return reply.status(204).send();
  });

  app.get("/api/staff/me", { onRequest: rules.signedIn }, async (request) => {
    const staff = staffOf(request);
    const branch = staff.branchId
      ? await deps.db
          .selectFrom("branches")
          .select(["code", "name"])
          .where("id", "=", staff.branchId)
          .executeTakeFirst()
      : undefined;
    return {
      username: staff.username,
      name: staff.name,
      role: staff.role,
      branch: branch ?? null,
      fourEyes: deps.fourEyes,
      mustChangePassword: staff.mustChangePassword,
      passkeyRequired: staff.passkeyRequired,
    };
  });

  const password = Type.Object({
    currentPassword: text(128),
    password: text(128),
    passwordConfirmation: text(128),
  });
  app.post(
    "/api/staff/password",
    { schema: { body: password }, onRequest: rules.signedIn },
    async (request, reply) => {
      await changeStaffPassword(signIn, staffOf(request), request.body, client(request));
      return reply.status(204).send();
    },
  );

  const auditQuery = Type.Object({
    nationalId: text(32),
    actor: text(64),
    from: text(40),
    to: text(40),
    lang: text(8),
  });
  app.get(
    "/api/staff/audit",
    { schema: { querystring: auditQuery }, onRequest: rules.admin },
    async (request) => {
      const q = request.query;
      const errors = [];
      let nationalId: string | undefined;
      if (q.nationalId) {
        const parsed = parseNationalId(q.nationalId);
        if (parsed.ok) nationalId = parsed.value;
        else errors.push({ field: "nationalId", code: parsed.code });
      }
      const date = (field: "from" | "to") => {
        const value = q[field];
        if (!value) return undefined;
        const d = new Date(value);
        if (Number.isNaN(d.getTime())) errors.push({ field, code: "staff.date.format" });
        return d;
      };
      const from = date("from");
      const to = date("to");
      if (errors.length) throw new InvalidInput(errors);
      return searchAudit(deps.db, {
        ...(nationalId ? { nationalId } : {}),
        ...(q.actor ? { actor: q.actor.trim().toLowerCase() } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      });
    },
  );

  staffPasskeyRoutes(app, deps, rules, signIn, setCookie);
  branchRoutes(app, deps, rules);
  adminRoutes(app, deps, rules);
}
