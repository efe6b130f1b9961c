// Accounts straight into the database, hashed exactly as a decided registration stores them, so
// tests of later flows do not wait for a verification each time.
import { sql } from "kysely";
import { normalizeAnswer } from "../../src/domain/persian-text.ts";
import { hashSecret } from "../../src/platform/passwords.ts";
import type { AccountStatus } from "../../src/platform/schema.ts";
import { hashToken } from "../../src/platform/tokens.ts";
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
    "message_keys",
    "outbox",
    "throttles",
    "sign_in_failures",
  ] as const) {
    await sys.db.deleteFrom(table).execute();
  }
  await clearThrottles(sys);
  await sql`truncate security_events`.execute(sys.db);
}

/** The texts delivered to `to` (mobile or email), newest first, once at least `count` arrived. */
export async function outbox(sys: TestSystem, to: string, count = 1) {
  return eventually(async () => {
    const res = await sys.app.inject({ method: "GET", url: `/api/dev/outbox?to=${encodeURIComponent(to)}` });
    const rows = res.json() as { text: string }[];
    return rows.length >= count ? rows.map((r) => r.text) : undefined;
  });
}

/** The first text to `to` that matches `pattern`, once it arrived (the outbox is written after the answer). */
export async function messageMatching(sys: TestSystem, to: string, pattern: RegExp) {
  return eventually(async () => (await outboxNow(sys, to)).find((text) => pattern.test(text)));
}

/**
 * The 6-digit code of the newest message to `to` that carries one, other than sign-in codes, once
 * `count` of those arrived (a notice of an earlier step, delivered late, is passed over).
 */
export async function latestCode(sys: TestSystem, to: string, count = 1) {
  const texts = await notices(sys, to, count);
  const code = texts.map((text) => text.match(/\b(\d{6})\b/)?.[1]).find(Boolean);
  if (!code) throw new Error(`no code in ${texts.join(" | ")}`);
  return code;
}

/**
 * The texts to `to` other than sign-in codes (every sign-in by password sends one, R-MFA), newest
 * first, once at least `count` arrived.
 */
export async function notices(sys: TestSystem, to: string, count = 1) {
  return eventually(async () => {
    const texts = (await outboxNow(sys, to)).filter((text) => !text.includes("کد ورود"));
    return texts.length >= count ? texts : undefined;
  });
}

/** The texts delivered to `to` so far, newest first (none waited for). */
export async function outboxNow(sys: TestSystem, to: string): Promise<string[]> {
  const res = await sys.app.inject({ method: "GET", url: `/api/dev/outbox?to=${encodeURIComponent(to)}` });
  return (res.json() as { text: string }[]).map((r) => r.text);
}

/**
 * The code of a sign-in SMS to `to` that was not among the `before` texts (messages sent at the same
 * instant of a test clock come in no particular order).
 */
export async function signInCode(sys: TestSystem, to: string, before: readonly string[]): Promise<string> {
  const seen = new Set(before);
  return eventually(async () => {
    const texts = (await outboxNow(sys, to)).filter((t) => !seen.has(t));
    const text = texts.find((t) => t.includes("کد ورود"));
    return text?.match(/\b(\d{6})\b/)?.[1];
  });
}

/**
 * The SMS code sent for the half session of `cookie` (its latest), as delivered to the dev outbox:
 * found through the code's row and its message, so codes sent at the same instant are never confused.
 */
export async function codeOfSession(sys: TestSystem, cookie: string): Promise<string> {
  const sessionHash = hashToken(cookie.replace(/^hoviat_session=/, "").split(";")[0]!);
  return eventually(async () => {
    const row = await sys.db
      .selectFrom("sign_in_codes as c")
      .innerJoin("messages as m", (join) =>
        join.on(sql<boolean>`m.dedupe_key = 'sign-in-code:' || c.id || ':code'`),
      )
      .innerJoin("outbox as o", "o.message_id", "m.id")
      .select("o.body")
      .where("c.session_hash", "=", sessionHash)
      .orderBy("c.created_at", "desc")
      .executeTakeFirst();
    return row?.body.match(/\b(\d{6})\b/)?.[1];
  });
}

const sessionOf = (res: { cookies: { name: string; value: string }[] }) =>
  `hoviat_session=${res.cookies.find((c) => c.name === "hoviat_session")!.value}`;

/**
 * Signs in as a person does: the password, then (when asked) the SMS code read from the dev outbox.
 * Returns the full session's cookie header.
 */
export async function loginCookie(sys: TestSystem, person: Person, password = person.password) {
  return (await signInFully(sys, person, password)).cookie;
}

export async function signInFully(
  sys: TestSystem,
  person: Person,
  password = person.password,
  options: { rememberBrowser?: boolean; device?: string } = {},
) {
  const res = await sys.app.inject({
    method: "POST",
    url: "/api/login",
    payload: { nationalId: person.nationalId, password },
    ...(options.device ? { headers: { cookie: options.device } } : {}),
  });
  if (res.statusCode !== 200) throw new Error(`login ${res.statusCode}`);
  const answer = res.json() as { next: string };
  if (answer.next === "done") return { cookie: sessionOf(res), device: options.device ?? null };
  const code = await codeOfSession(sys, sessionOf(res));
  const done = await sys.app.inject({
    method: "POST",
    url: "/api/login/second-factor",
    headers: { cookie: sessionOf(res) },
    payload: { method: "sms", code, rememberBrowser: options.rememberBrowser ?? false },
  });
  if (done.statusCode !== 200) throw new Error(`second factor ${done.statusCode} ${done.body}`);
  const device = done.cookies.find((c) => c.name === "hoviat_device");
  return {
    cookie: sessionOf(done),
    device: device ? `hoviat_device=${device.value}` : (options.device ?? null),
  };
}
