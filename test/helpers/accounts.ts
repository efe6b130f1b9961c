// Accounts straight into the database, hashed exactly as a decided registration stores them, so
// tests of later flows do not wait for a verification each time.
import { sql } from "kysely";
import { normalizeAnswer } from "../../src/domain/persian-text.ts";
import { hashSecret } from "../../src/platform/passwords.ts";
import type { AccountStatus } from "../../src/platform/schema.ts";
import type { ali } from "./people.ts";
import { clearThrottles, eventually, type TestSystem } from "./system.ts";

export type Person = typeof ali;

export async function createAccount(sys: TestSystem, person: Person, status: AccountStatus = "active") {
  const now = sys.clock.now();
  const id = crypto.randomUUID();
  await sys.db
    .insertInto("accounts")
    .values({
      id,
      national_id: person.nationalId,
      mobile: person.mobile,
      email: person.email,
      first_name: person.firstName,
      last_name: person.lastName,
      gender: person.gender as "male" | "female",
      birth_date: person.birthDate,
      birth_certificate_number: person.birthCertificateNumber,
      status,
      password_hash: await hashSecret(person.password),
      registration_request_id: crypto.randomUUID(),
      created_at: now,
      updated_at: now,
      activated_at: status === "active" ? now : null,
      // As if its code came back: recovery by email needs a confirmed email (issue 10).
      email_confirmed_at: now,
    })
    .execute();
  const answers = await Promise.all(
    person.securityAnswers.map(async (a) => ({
      account_id: id,
      question_id: a.questionId,
      answer_hash: await hashSecret(normalizeAnswer(a.answer)),
    })),
  );
  await sys.db.insertInto("security_answers").values(answers).execute();
  return id;
}

/** Empties every table a test may fill (security_events is append-only: truncate passes its trigger). */
export async function resetTables(sys: TestSystem) {
  for (const table of [
    "account_changes",
    "password_recoveries",
    "sessions",
    "security_answers",
    "accounts",
    "registration_requests",
    "mobile_verifications",
    "messages",
    "outbox",
    "throttles",
  ] as const) {
    await sys.db.deleteFrom(table).execute();
  }
  await clearThrottles(sys);
  await sql`truncate security_events`.execute(sys.db);
}

/** The texts delivered to `to` (mobile or email), once at least `count` arrived. */
export async function outbox(sys: TestSystem, to: string, count = 1) {
  return eventually(async () => {
    const res = await sys.app.inject({ method: "GET", url: `/api/dev/outbox?to=${encodeURIComponent(to)}` });
    const rows = res.json() as { text: string }[];
    return rows.length >= count ? rows.map((r) => r.text) : undefined;
  });
}

/** The 6-digit code of the latest message to `to`. */
export async function latestCode(sys: TestSystem, to: string, count = 1) {
  const texts = await outbox(sys, to, count);
  const code = texts[texts.length - 1]!.match(/\b(\d{6})\b/)?.[1];
  if (!code) throw new Error(`no code in ${texts[texts.length - 1]}`);
  return code;
}

export async function loginCookie(sys: TestSystem, person: Person, password = person.password) {
  const res = await sys.app.inject({
    method: "POST",
    url: "/api/login",
    payload: { nationalId: person.nationalId, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${res.statusCode}`);
  const cookie = res.cookies.find((c) => c.name === "hoviat_session")!;
  return `hoviat_session=${cookie.value}`;
}
