// Control and bidi-override characters (issue 10, part 8): refused with a 400 naming the field, in
// bodies, query strings and path parameters alike, and never a 500 on any route.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { registeredRoutes } from "../src/platform/openapi.ts";
import { createAccount, loginCookie } from "./helpers/accounts.ts";
import { ali } from "./helpers/people.ts";
import { createBranch, createMember, get, post, resetStaffTables, signIn } from "./helpers/staff.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

const NUL = "\u0000";
const RLO = "\u202e";
let sys: TestSystem;
let admin: string;
let operator: string;
let citizen: string;
before(async () => {
  sys = await startTestSystem();
  await resetStaffTables(sys);
  const branch = await createBranch(sys, "TEH-1");
  admin = await signIn(sys, await createMember(sys, "admin1", "admin"));
  operator = await signIn(sys, await createMember(sys, "op1", "branch_operator", branch));
  await createAccount(sys, ali);
  citizen = await loginCookie(sys, ali);
});
after(async () => {
  await sys.stop();
});

function assertRefused(
  res: { status: number; body: { code: string; errors: { field: string; code: string; message: string }[] } },
  field: string,
) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.code, "invalidInput");
  const error = res.body.errors.find((e) => e.field === field);
  assert.ok(error, `${field} named in ${JSON.stringify(res.body.errors)}`);
  assert.equal(error.code, "text.controlCharacters");
  assert.ok(error.message.length > 10);
}

describe("the findings", () => {
  test("NUL in a staff login is a 400 naming the username", async () => {
    assertRefused(
      await post(sys, "/api/staff/login", undefined, { username: `admin${NUL}`, password: "x" }),
      "username",
    );
  });

  test("NUL or a bidi override in a branch name, and in a staff member's name", async () => {
    for (const name of [`شعبه${NUL}`, `شعبه ${RLO}تهران`, `شعبه\u2067تهران`]) {
      assertRefused(await post(sys, "/api/staff/admin/branches", admin, { code: "TEH-9", name }), "name");
    }
    const member = { username: "op9", name: `کارمند ${RLO}gpj.exe`, role: "admin" };
    assertRefused(await post(sys, "/api/staff/admin/staff", admin, member), "name");
    // Persian's zero-width non-joiner and right-to-left mark are ordinary text.
    const created = await post(sys, "/api/staff/admin/branches", admin, {
      code: "TEH-8",
      name: "شعبه\u200cی نیک\u200fنام",
    });
    assert.equal(created.status, 201);
  });

  test("NUL in a lock reason; a newline is fine there, since a reason may span lines", async () => {
    const url = `/api/staff/admin/citizens/${ali.nationalId}/lock`;
    assertRefused(await post(sys, url, admin, { reason: `دلیل${NUL}` }), "reason");
    assertRefused(await post(sys, url, admin, { reason: `دلیل ${RLO}` }), "reason");
    assert.equal((await post(sys, url, admin, { reason: "درخواست شخص\nدر شعبه" })).status, 200);
  });

  test("NUL in the dev outbox query and in path parameters", async () => {
    assertRefused(await get(sys, "/api/dev/outbox?to=0912%00"), "to");
    assertRefused(await get(sys, "/api/staff/people/00123%0045679", operator), "nationalId");
    assertRefused(await get(sys, "/api/security-questions?lang=%00"), "lang");
    assertRefused(
      await post(sys, "/api/login", undefined, { nationalId: ali.nationalId, password: `a${NUL}` }),
      "password",
    );
  });
});

describe("a sweep over every route", () => {
  const FIELDS = [
    "nationalId",
    "mobile",
    "email",
    "password",
    "passwordConfirmation",
    "currentPassword",
    "code",
    "method",
    "username",
    "name",
    "role",
    "branchId",
    "reason",
    "resetToken",
    "firstName",
    "lastName",
    "gender",
    "birthCertificateNumber",
    "birthDate",
  ];
  const bad = `1${NUL}2`;

  test("NUL in every string field, query and path parameter: never a 500, for anyone", async () => {
    const routes = registeredRoutes(sys.app).filter((r) => r.method !== "OPTIONS");
    assert.ok(routes.length > 30, `${routes.length} routes`);
    const body: Record<string, unknown> = Object.fromEntries(FIELDS.map((f) => [f, bad]));
    body.securityAnswers = [{ questionId: "q1", answer: bad }];
    body.answers = [{ questionId: "q1", answer: bad }];
    const seen: string[] = [];
    for (const route of routes) {
      const url = route.url.replace(/:\w+/g, "1%002").replace(/\*$/, "x%00");
      for (const cookie of [undefined, citizen, admin, operator]) {
        const res = await sys.app.inject({
          method: route.method as "GET",
          url: `${url}?to=${encodeURIComponent(bad)}&nationalId=${encodeURIComponent(bad)}`,
          headers: cookie ? { cookie } : {},
          ...(route.method === "GET" || route.method === "DELETE" ? {} : { payload: body }),
        });
        assert.ok(res.statusCode < 500, `${route.method} ${route.url}: ${res.statusCode} ${res.body}`);
        if (res.statusCode === 400)
          assert.equal(res.json().code, "invalidInput", `${route.method} ${route.url}`);
        seen.push(`${route.method} ${route.url} ${res.statusCode}`);
      }
    }
    // Every route that got past its authorisation refused the input rather than acting on it.
    assert.ok(
      seen.every((s) => !/ 20\d$/.test(s) || /healthz|readyz|metrics|docs|^GET \/(?!api)/.test(s)),
      seen.filter((s) => / 20\d$/.test(s)).join("\n"),
    );
  });
});
