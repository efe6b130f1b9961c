// Staff for the console tests: branches and staff members straight into the database, and a sign-in
// that answers the TOTP step with a code computed from the secret the server handed out.
import { sql } from "kysely";
import { createStaff } from "../../src/flows/staff/service.ts";
import { totpCode } from "../../src/platform/totp.ts";
import { resetTables } from "./accounts.ts";
import type { ali } from "./people.ts";
import { registerInProcess } from "./registration.ts";
import { eventually, type TestSystem } from "./system.ts";
import { SoftwareAuthenticator } from "./webauthn.ts";

export type Member = {
  id: string;
  username: string;
  password: string;
  secret?: string;
  /** The member's passkey device, once one was enrolled (administrators need one). */
  device?: SoftwareAuthenticator;
};

export async function resetStaffTables(sys: TestSystem) {
  await sys.db.deleteFrom("passkeys").where("owner_kind", "=", "staff").execute();
  for (const table of ["branch_activations", "staff_sessions", "staff", "branches"] as const) {
    await sys.db.deleteFrom(table).execute();
  }
  await sql`truncate audit_log`.execute(sys.db);
  await resetTables(sys);
}

export async function createBranch(sys: TestSystem, code: string) {
  const id = crypto.randomUUID();
  await sys.db
    .insertInto("branches")
    .values({ id, code, name: `شعبه ${code}`, created_at: sys.clock.now() })
    .execute();
  return id;
}

export async function createMember(
  sys: TestSystem,
  username: string,
  role: "admin" | "branch_operator",
  branchId?: string,
): Promise<Member> {
  const created = await createStaff(
    sys.db,
    { username, name: `کارمند ${username}`, role, branchId },
    sys.clock.now(),
  );
  return { id: created.id, username: created.username, password: created.password };
}

export async function post(sys: TestSystem, url: string, cookie?: string, payload?: object) {
  const res = await sys.app.inject({
    method: "POST",
    url,
    headers: cookie ? { cookie } : {},
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, res };
}

export async function get(sys: TestSystem, url: string, cookie?: string) {
  const res = await sys.app.inject({ method: "GET", url, headers: cookie ? { cookie } : {} });
  return { status: res.statusCode, body: res.body ? res.json() : undefined, res };
}

export function staffCookie(res: { cookies: { name: string; value: string }[] }): string {
  const cookie = res.cookies.find((c) => c.name === "hoviat_staff");
  if (!cookie) throw new Error("no hoviat_staff cookie");
  return `hoviat_staff=${cookie.value}`;
}

/** The password step only: a session that still waits for its TOTP code. */
export async function passwordStep(sys: TestSystem, member: Member) {
  const res = await post(sys, "/api/staff/login", undefined, {
    username: member.username,
    password: member.password,
  });
  if (res.status !== 200) throw new Error(`staff login ${res.status} ${JSON.stringify(res.body)}`);
  if (res.body.enrolment) member.secret = String(res.body.enrolment.secret).replaceAll(" ", "");
  return staffCookie(res.res);
}

/**
 * Both steps (and the password change a first sign-in asks for); moves the clock on one TOTP step first,
 * since each code is good only once.
 */
export async function signIn(sys: TestSystem, member: Member): Promise<string> {
  sys.clock.advance(30_000);
  const half = await passwordStep(sys, member);
  const res = await post(sys, "/api/staff/login/totp", half, {
    code: totpCode(member.secret!, sys.clock.now()),
  });
  if (res.status !== 200) throw new Error(`staff totp ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = staffCookie(res.res);
  const me = (await get(sys, "/api/staff/me", cookie)).body;
  if (me.mustChangePassword) await changePassword(sys, member, cookie);
  // An administrator without a passkey enrols one before anything else, as the console leads them to.
  if (me.passkeyRequired) await enrolStaffPasskey(sys, member, cookie);
  return cookie;
}

/**
 * A passkey row for the member straight into the database, for browser tests on 127.0.0.1 (where a
 * browser makes no passkey) that are about something else than passkeys: the admin goes on past
 * enrolment. It signs nothing in.
 */
export async function givePasskey(sys: TestSystem, memberId: string) {
  await sys.db
    .insertInto("passkeys")
    .values({
      id: crypto.randomUUID(),
      owner_kind: "staff",
      owner_id: memberId,
      name: "test",
      credential_id: crypto.randomUUID(),
      public_key: "",
      created_at: sys.clock.now(),
    })
    .execute();
}

/** A passkey for the member, on a software authenticator kept in `member.device`. */
export async function enrolStaffPasskey(sys: TestSystem, member: Member, cookie: string) {
  member.device ??= new SoftwareAuthenticator(sys.relyingParty.origins[0]!);
  const options = await post(sys, "/api/staff/passkeys/registration/options", cookie, {});
  if (options.status !== 200)
    throw new Error(`passkey options ${options.status} ${JSON.stringify(options.body)}`);
  const res = await post(sys, "/api/staff/passkeys/registration", cookie, {
    response: member.device.create(options.body),
  });
  if (res.status !== 201) throw new Error(`passkey registration ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** The first sign-in's duty: the handed-over password is replaced (R-PWD applies). */
export async function changePassword(sys: TestSystem, member: Member, cookie: string) {
  const password = `Kar${Math.random().toString(36).slice(2, 10)}A1`;
  const body = { currentPassword: member.password, password, passwordConfirmation: password };
  const res = await post(sys, "/api/staff/password", cookie, body);
  if (res.status !== 204) throw new Error(`staff password ${res.status} ${JSON.stringify(res.body)}`);
  member.password = password;
}

/** Submits a registration and waits for the request to reach `status`. */
export async function register(sys: TestSystem, person: typeof ali, status: string) {
  const res = await registerInProcess(sys, person);
  if (res.statusCode !== 202) throw new Error(`registration ${res.statusCode}`);
  await eventually(async () => {
    const row = await sys.db
      .selectFrom("registration_requests")
      .select("status")
      .where("national_id", "=", person.nationalId)
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    return row?.status === status ? true : undefined;
  });
}

/** The code of the pending first-password SMS of the person's account, as delivered to their phone. */
export async function firstPasswordCode(sys: TestSystem, nationalId: string): Promise<string> {
  return eventually(async () => {
    const setup = await sys.db
      .selectFrom("password_setups")
      .innerJoin("accounts", "accounts.id", "password_setups.account_id")
      .select("password_setups.id")
      .where("accounts.national_id", "=", nationalId)
      .where("password_setups.status", "=", "pending")
      .executeTakeFirst();
    if (!setup) return undefined;
    const row = await sys.db
      .selectFrom("messages")
      .innerJoin("outbox", "outbox.message_id", "messages.id")
      .select("outbox.body")
      .where("messages.dedupe_key", "=", `password-setup:${setup.id}:code`)
      .executeTakeFirst();
    return row?.body.match(/(?<!\d)(\d{6})(?!\d)/)?.[1];
  });
}

/** The person sets the first password on their phone after a branch activation (POST /api/first-password). */
export async function setFirstPassword(sys: TestSystem, person: typeof ali, password = person.password) {
  const code = await firstPasswordCode(sys, person.nationalId);
  const res = await post(sys, "/api/first-password", undefined, {
    nationalId: person.nationalId,
    code,
    password,
    passwordConfirmation: password,
  });
  if (res.status !== 204) throw new Error(`first password ${res.status} ${JSON.stringify(res.body)}`);
}

/** The code the desk sent for an activation, as delivered to the person's phone. */
export async function activationCode(sys: TestSystem, activationId: string): Promise<string> {
  return eventually(async () => {
    const row = await sys.db
      .selectFrom("messages")
      .innerJoin("outbox", "outbox.message_id", "messages.id")
      .select("outbox.body")
      .where("messages.dedupe_key", "=", `branch-activation:${activationId}:code`)
      .executeTakeFirst();
    return row?.body.match(/(?<!\d)(\d{6})(?!\d)/)?.[1];
  });
}
