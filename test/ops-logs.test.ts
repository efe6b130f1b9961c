// The log of a real server process through a registration, a login, a failed login, a password
// recovery by SMS code and a profile read carries none of the personal data or secrets whole.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ali, PASSWORD } from "./helpers/people.ts";
import { proveMobile } from "./helpers/registration.ts";
import { type FreshDatabase, freshDatabase, type HoviatProcess, startHoviat } from "./ops-processes.ts";

let database: FreshDatabase;
let server: HoviatProcess;
before(async () => {
  database = await freshDatabase();
  server = await startHoviat({ ...database.env, LOG_LEVEL: "trace" });
});
after(async () => {
  await server?.stop("SIGKILL");
  await database?.drop();
});

async function call(method: string, path: string, body?: object, cookie?: string) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

/** The SMS to `mobile`, newest first, once `count` arrived. */
async function smsTo(mobile: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = (await call("GET", `/api/dev/outbox?to=${mobile}`)).json as { text: string }[];
    if (rows.length >= count) return rows.map((r) => r.text);
    if (Date.now() > deadline) throw new Error(`no SMS #${count} for ${mobile}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("no national ID, mobile, email, password, code or token appears whole in the logs", async () => {
  const mobileProof = await proveMobile(call, ali.nationalId, ali.mobile);
  const [stepOneSms] = await smsTo(ali.mobile, 1);
  const stepOneCode = /(\d{6})/.exec(stepOneSms!)![1]!;
  assert.equal((await call("POST", "/api/registrations", { ...ali, mobileProof })).status, 202);
  await smsTo(ali.mobile, 2);
  await call("POST", "/api/registrations/tracking", { nationalId: ali.nationalId, mobile: ali.mobile });

  const login = await call("POST", "/api/login", { nationalId: ali.nationalId, password: PASSWORD });
  assert.equal(login.status, 200);
  const halfCookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const halfToken = halfCookie.split("=")[1]!;
  const [signInSms] = await smsTo(ali.mobile, 3);
  const signInCode = /(\d{6})/.exec(signInSms!)![1]!;
  const second = await call(
    "POST",
    "/api/login/second-factor",
    { method: "sms", code: signInCode },
    halfCookie,
  );
  assert.equal(second.status, 200);
  const sessionCookie = second.headers.get("set-cookie")!.split(";")[0]!;
  const sessionToken = sessionCookie.split("=")[1]!;
  assert.equal((await call("GET", "/api/me", undefined, sessionCookie)).status, 200);
  const wrongPassword = "WrongPass2026y";
  assert.equal(
    (await call("POST", "/api/login", { nationalId: ali.nationalId, password: wrongPassword })).status,
    401,
  );

  const recovery = await call("POST", "/api/password-recovery", {
    nationalId: ali.nationalId,
    method: "sms",
  });
  assert.equal(recovery.status, 200);
  const [codeSms] = await smsTo(ali.mobile, 4);
  const code = /(\d{6})/.exec(codeSms!)?.[1];
  assert.ok(code, "the recovery SMS carries a 6-digit code");
  const verified = await call("POST", `/api/password-recovery/${recovery.json.recoveryId}/verify`, { code });
  assert.equal(verified.status, 200);
  const resetToken = verified.json.resetToken as string;

  await server.stop("SIGTERM");
  const log = server.output();
  assert.ok(log.split("\n").length > 10, "the process did log (LOG_LEVEL=trace)");
  assert.match(log, /0912\*\*\*\*67/, "a mobile in a URL appears masked");
  for (const [what, secret] of Object.entries({
    nationalId: ali.nationalId,
    mobile: ali.mobile,
    email: ali.email,
    password: PASSWORD,
    wrongPassword,
    securityAnswer: ali.securityAnswers[2]!.answer,
    sessionToken,
    halfToken,
    signInCode,
    code: code!,
    stepOneCode,
    mobileProof,
    resetToken,
  })) {
    assert.ok(!log.includes(secret), `${what} appears in the log`);
  }
});
