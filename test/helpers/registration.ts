// Registering through the real step 1: ask for the code, read it from the development outbox as the
// person would read the SMS, confirm it, and send the mobileProof with the registration.
import { parseMobile } from "../../src/domain/mobile.ts";
import type { ali } from "./people.ts";
import { eventually, type TestSystem } from "./system.ts";

export type Call = (
  method: string,
  path: string,
  body?: object,
) => Promise<{ status: number; json: unknown }>;

/** The start of the step-1 SMS (SPEC R-REG): tests tell it apart from the outcome SMS by it. */
export const MOBILE_CODE_SMS = "کد تایید ثبت نام شما در سامانه مدیریت کاربران:";
/** The whole SMS: the SPEC's text, then the WebOTP line for the host of PUBLIC_URL (127.0.0.1 in tests). */
export const mobileCodeSms = (code: string, host = "127.0.0.1") =>
  `${MOBILE_CODE_SMS} ${code} این کد را در اختیار دیگران قرار ندهید.\n@${host} #${code}`;

export function injectCall(sys: TestSystem): Call {
  return async (method, url, payload) => {
    const res = await sys.app.inject({ method: method as "GET", url, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, json: res.body ? res.json() : undefined };
  };
}

async function codeTexts(call: Call, mobile: string): Promise<string[]> {
  const res = await call("GET", `/api/dev/outbox?to=${encodeURIComponent(mobile)}`);
  return (res.json as { text: string }[]).map((r) => r.text).filter((t) => t.startsWith(MOBILE_CODE_SMS));
}

/** Step 1 up to the code: the verificationId and the code that reached the mobile. */
export async function requestMobileCode(call: Call, nationalId: string, mobile: string) {
  const canonical = parseMobile(mobile);
  const to = canonical.ok ? canonical.value : mobile;
  const before = await codeTexts(call, to);
  const res = await call("POST", "/api/registrations/mobile-verification", { nationalId, mobile });
  if (res.status !== 202) throw new Error(`mobile verification ${res.status} ${JSON.stringify(res.json)}`);
  const { verificationId } = res.json as { verificationId: string };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const seen = [...before];
    const fresh = (await codeTexts(call, to)).filter((t) => {
      const i = seen.indexOf(t);
      if (i === -1) return true;
      seen.splice(i, 1);
      return false;
    });
    const code = fresh[0]?.match(/(?<!\d)(\d{6})(?!\d)/)?.[1];
    if (code) return { verificationId, code };
    if (Date.now() > deadline) throw new Error(`no registration code reached ${to}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A mobileProof for the pair, obtained through the public endpoints. */
export async function proveMobile(call: Call, nationalId: string, mobile: string): Promise<string> {
  const { verificationId, code } = await requestMobileCode(call, nationalId, mobile);
  const res = await call("POST", `/api/registrations/mobile-verification/${verificationId}/confirm`, {
    code,
  });
  if (res.status !== 200) throw new Error(`confirm ${res.status} ${JSON.stringify(res.json)}`);
  return (res.json as { mobileProof: string }).mobileProof;
}

/** The registration body with a fresh mobileProof for its national ID + mobile. */
export async function withProof<P extends Pick<typeof ali, "nationalId" | "mobile">>(call: Call, person: P) {
  return { ...person, mobileProof: await proveMobile(call, person.nationalId, person.mobile) };
}

/** POST /api/registrations with a proof; the answer as it came. */
export async function submitProved(call: Call, person: Pick<typeof ali, "nationalId" | "mobile">) {
  return call("POST", "/api/registrations", await withProof(call, person));
}

/**
 * The same step 1 for a system in this process, whatever its SMS provider: the code is read from the
 * stored message (or, once sent and redacted there, from what the outbox provider delivered).
 */
export async function proofFor(
  sys: TestSystem,
  nationalId: string,
  mobile: string,
  /** Where else the code may be read, e.g. a fake gateway's record, for providers without an outbox. */
  elsewhere: () => string | undefined = () => undefined,
): Promise<string> {
  const call = injectCall(sys);
  const res = await call("POST", "/api/registrations/mobile-verification", { nationalId, mobile });
  if (res.status !== 202) throw new Error(`mobile verification ${res.status} ${JSON.stringify(res.json)}`);
  const { verificationId } = res.json as { verificationId: string };
  const code = await eventually(async () => {
    const message = await sys.db
      .selectFrom("messages")
      .leftJoin("outbox", "outbox.message_id", "messages.id")
      .select(["messages.body as stored", "outbox.body as delivered"])
      .where("dedupe_key", "=", `mobile-verification:${verificationId}:code`)
      .executeTakeFirst();
    const digits = /(?<!\d)(\d{6})(?!\d)/;
    return (message?.stored.match(digits) ?? message?.delivered?.match(digits))?.[1] ?? elsewhere();
  });
  const confirmed = await call("POST", `/api/registrations/mobile-verification/${verificationId}/confirm`, {
    code,
  });
  if (confirmed.status !== 200)
    throw new Error(`confirm ${confirmed.status} ${JSON.stringify(confirmed.json)}`);
  return (confirmed.json as { mobileProof: string }).mobileProof;
}

/** POST /api/registrations in process, after step 1; the inject response as it came. */
export async function registerInProcess(
  sys: TestSystem,
  person: Pick<typeof ali, "nationalId" | "mobile">,
  elsewhere?: () => string | undefined,
) {
  const mobileProof = await proofFor(sys, person.nationalId, person.mobile, elsewhere);
  return sys.app.inject({ method: "POST", url: "/api/registrations", payload: { ...person, mobileProof } });
}

/** A Call to a server listening at `base` (another process). */
export function httpCall(base: string): Call {
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
}

/**
 * The code of the pair's live mismatch look (issue 21), as it reached the phone; undefined when its
 * start sent none. Texts of one instant of the test clock are not in order: found by the look's row.
 */
export async function mismatchCode(sys: TestSystem, nationalId: string, mobile: string) {
  const look = await sys.db
    .selectFrom("mismatch_looks")
    .select("id")
    .where("national_id", "=", nationalId)
    .where("mobile", "=", mobile)
    .where("status", "=", "pending")
    .executeTakeFirstOrThrow();
  const key = `mismatch-look:${look.id}:code`;
  const queued = await sys.db
    .selectFrom("messages")
    .select("id")
    .where("dedupe_key", "=", key)
    .executeTakeFirst();
  return queued ? eventually(() => sentCode(sys, key)) : undefined;
}

/** The 6-digit code in the delivered text of the message queued under `dedupeKey`, once it is sent. */
export async function sentCode(sys: TestSystem, dedupeKey: string) {
  const row = await sys.db
    .selectFrom("messages")
    .innerJoin("outbox", "outbox.message_id", "messages.id")
    .select("outbox.body")
    .where("messages.dedupe_key", "=", dedupeKey)
    .executeTakeFirst();
  return row?.body.match(/(?<!\d)(\d{6})(?!\d)/)?.[1];
}
