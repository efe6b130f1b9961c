// Authorisation of every console route: the routes are listed from Fastify itself, so a new
// /api/staff route without a declared rule fails here, and each one is tried with every wrong caller.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { type StaffRouteDeps, staffRoutes } from "../src/flows/staff/routes.ts";
import { RULE_PREFIX } from "../src/flows/staff/sessions.ts";
import { createHttp } from "../src/platform/http.ts";
import { totpCode } from "../src/platform/totp.ts";
import { createAccount, loginCookie, resetTables } from "./helpers/accounts.ts";
import { mohammadreza } from "./helpers/people.ts";
import {
  changePassword,
  createBranch,
  createMember,
  passwordStep,
  post,
  resetStaffTables,
  signIn,
  staffCookie,
} from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

type Route = { method: string; url: string; rule: string | undefined };

/**
 * Every /api/staff route with the rule named by its onRequest hook, read from Fastify's own route tree
 * (printRoutes): each line's column gives its parent, whose path prefixes it.
 */
function listStaffRoutes(sys: TestSystem): Route[] {
  const lines = sys.app.printRoutes({ commonPrefix: false, includeHooks: true }).split("\n");
  const all: Route[] = [];
  const stack: { column: number; path: string }[] = [];
  let current: Route[] = [];
  for (const line of lines) {
    const route = /^([│ ]*(?:├── |└── )?)(\S+) \(([A-Z, ]+)\)\s*$/.exec(line);
    if (route) {
      const column = route[1]!.length;
      while (stack.length && stack[stack.length - 1]!.column >= column) stack.pop();
      const parent = stack[stack.length - 1]?.path ?? "";
      const path = parent === "/" ? `/${route[2]!.replace(/^\//, "")}` : parent + route[2]!;
      stack.push({ column, path });
      current = route[3]!
        .split(", ")
        .filter((m) => m !== "HEAD")
        .map((method) => ({ method, url: path, rule: undefined }));
      all.push(...current);
      continue;
    }
    const hook = /• \(onRequest\) (\[.*\])/.exec(line);
    if (hook) {
      const names = JSON.parse(hook[1]!) as string[];
      const rule = names.find((n) => n.startsWith(RULE_PREFIX))?.replace(/\(\)$/, "");
      for (const r of current) r.rule = rule;
    }
  }
  return all.filter((r) => r.url.startsWith("/api/staff"));
}

const NATIONAL_ID = mohammadreza.nationalId;
const concrete = (url: string) =>
  url.replace(":nationalId", NATIONAL_ID).replace(/:(id|changeId)/g, "00000000-0000-4000-8000-000000000000");

describe("console authorisation", () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem();
    await resetStaffTables(sys);
  });
  after(async () => sys?.stop());

  test("every /api/staff route declares a rule, and the list is what we expect", () => {
    const routes = listStaffRoutes(sys);
    assert.ok(routes.length >= 19, `found ${routes.length} routes`);
    const missing = routes.filter((r) => !r.rule).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, [], "routes without an authorisation rule");
    const publicRoutes = routes.filter((r) => r.rule === `${RULE_PREFIX}public`).map((r) => r.url);
    assert.deepEqual(publicRoutes, ["/api/staff/login"]);
  });

  test("a route registered without a rule stops the server from starting", async () => {
    const app = createHttp(pino({ level: "silent" }), { trustProxy: false });
    const deps = { db: sys.db, clock: sys.clock, challenges: sys.challenges };
    staffRoutes(app, deps as unknown as StaffRouteDeps);
    assert.throws(() => app.get("/api/staff/oops", async () => ({})), /declares no staff authorisation rule/);
    await app.close();
  });

  test("citizens, half sessions, locked staff and wrong roles are refused on every route", async () => {
    await resetTables(sys);
    const branch = await createBranch(sys, "A01");
    const admin = await createMember(sys, "admin1", "admin");
    const operator = await createMember(sys, "op1", "branch_operator", branch);
    const locked = await createMember(sys, "op2", "branch_operator", branch);
    const callers: Record<string, string> = {
      nobody: "",
      citizen: await (async () => {
        await createAccount(sys, { ...mohammadreza, nationalId: "0012345679" });
        return loginCookie(sys, { ...mohammadreza, nationalId: "0012345679" });
      })(),
      halfSession: await passwordStep(sys, await createMember(sys, "op3", "branch_operator", branch)),
      locked: await signIn(sys, locked),
      unchanged: await (async () => {
        const fresh = await createMember(sys, "op4", "branch_operator", branch);
        sys.clock.advance(30_000);
        const half = await passwordStep(sys, fresh);
        const code = totpCode(fresh.secret!, sys.clock.now());
        return staffCookie((await post(sys, "/api/staff/login/totp", half, { code })).res);
      })(),
      admin: await signIn(sys, admin),
      operator: await signIn(sys, operator),
      // Password and app code, the password changed, but no passkey yet: enrolment only (R-MFA).
      adminWithoutPasskey: await (async () => {
        const fresh = await createMember(sys, "admin2", "admin");
        sys.clock.advance(30_000);
        const half = await passwordStep(sys, fresh);
        const code = totpCode(fresh.secret!, sys.clock.now());
        const cookie = staffCookie((await post(sys, "/api/staff/login/totp", half, { code })).res);
        await changePassword(sys, fresh, cookie);
        return cookie;
      })(),
    };
    await sys.db.updateTable("staff").set({ status: "locked" }).where("id", "=", locked.id).execute();

    const allowed: Record<string, string[]> = {
      [`${RULE_PREFIX}pendingTotp`]: ["halfSession"],
      [`${RULE_PREFIX}anySession`]: ["halfSession", "admin", "operator", "adminWithoutPasskey"],
      [`${RULE_PREFIX}signedIn`]: ["admin", "operator", "unchanged", "adminWithoutPasskey"],
      [`${RULE_PREFIX}staff`]: ["admin", "operator"],
      [`${RULE_PREFIX}operator`]: ["operator"],
      [`${RULE_PREFIX}admin`]: ["admin"],
    };
    // The passkey sign-in takes a session into account when there is one, and needs none.
    const open = [`${RULE_PREFIX}public`, `${RULE_PREFIX}optionalSession`];
    const routes = listStaffRoutes(sys).filter((r) => !open.includes(r.rule!));
    for (const route of routes) {
      const ok = allowed[route.rule!];
      assert.ok(ok, `${route.url}: unknown rule ${route.rule}`);
      for (const [who, cookie] of Object.entries(callers)) {
        if (ok.includes(who) || route.url === "/api/staff/logout") continue;
        const res = await sys.app.inject({
          method: route.method as "GET",
          url: concrete(route.url),
          headers: cookie ? { cookie } : {},
          ...(route.method === "POST" ? { payload: {} } : {}),
        });
        assert.ok(
          [401, 403].includes(res.statusCode),
          `${who} → ${route.method} ${route.url}: ${res.statusCode}`,
        );
      }
    }
    // Logout last: it ends the sessions used above.
    assert.equal((await post(sys, "/api/staff/logout", callers.citizen)).status, 401);
    assert.equal((await post(sys, "/api/staff/logout", callers.locked)).status, 401);
  });
});
