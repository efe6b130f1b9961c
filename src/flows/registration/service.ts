// Submitting a registration: validate, check the mobileProof of step 1, hash the secrets, store the
// request, spend the proof and enqueue its verification in one statement. The answer is the same whether or not the national ID already
// has an account; that case is settled by the verification job, out of the requester's sight.

import { type Insertable, sql } from "kysely";
import { commonPasswords } from "../../domain/common-passwords.ts";
import { parseMobile } from "../../domain/mobile.ts";
import { parseNationalId } from "../../domain/national-id.ts";
import { normalizeAnswer } from "../../domain/persian-text.ts";
import { validateRegistration } from "../../domain/registration.ts";
import type { FieldError } from "../../domain/result.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import { hashSecret } from "../../platform/passwords.ts";
import type { RegistrationRequestTable, StoredAnswer } from "../../platform/schema.ts";
import { provedVerification } from "./mobile-verification.ts";
import { VERIFY_LEASE_MS, VERIFY_QUEUE } from "./verification-job.ts";

export type SubmitDeps = { db: Db; jobs: Jobs; clock: Clock };

export type SubmitResult = { ok: true; requestId: string } | { ok: false; errors: FieldError[] };

export async function submitRegistration(
  deps: SubmitDeps,
  raw: Record<string, unknown>,
  clientIp: string | null,
): Promise<SubmitResult> {
  const now = deps.clock.now();
  const checked = validateRegistration(raw, now, { blocklist: commonPasswords() });
  // The proof is checked as soon as step 1 is valid, so that its error comes with the others.
  const nationalId = parseNationalId(raw.nationalId);
  const mobile = parseMobile(raw.mobile);
  const verificationId =
    nationalId.ok && mobile.ok
      ? await provedVerification(deps.db, raw.mobileProof, nationalId.value, mobile.value, now)
      : undefined;
  const proofError: FieldError[] =
    typeof raw.mobileProof !== "string" || raw.mobileProof === ""
      ? [{ field: "mobileProof", code: "mobileProof.required" }]
      : nationalId.ok && mobile.ok && !verificationId
        ? [{ field: "mobileProof", code: "mobileProof.invalid" }]
        : [];
  if (!checked.ok || proofError.length || !verificationId) {
    return { ok: false, errors: [...(checked.ok ? [] : checked.errors), ...proofError] };
  }
  const input = checked.value;

  const [passwordHash, ...answerHashes] = await Promise.all([
    hashSecret(input.password),
    ...input.securityAnswers.map((a) => hashSecret(normalizeAnswer(a.answer))),
  ]);
  const answers = input.securityAnswers.map((a, i) => ({ questionId: a.questionId, hash: answerHashes[i]! }));

  const requestId = crypto.randomUUID();
  const accepted = await storeRequest(deps, verificationId, {
    id: requestId,
    national_id: input.nationalId,
    mobile: input.mobile,
    first_name: input.firstName,
    last_name: input.lastName,
    gender: input.gender,
    birth_certificate_number: input.birthCertificateNumber,
    birth_date: input.birthDate,
    email: input.email,
    password_hash: passwordHash!,
    security_answers: answers,
    status: "pending",
    next_attempt_at: new Date(now.getTime() + VERIFY_LEASE_MS),
    created_at: now,
    client_ip: clientIp,
  });
  if (!accepted) return { ok: false, errors: [{ field: "mobileProof", code: "mobileProof.invalid" }] };
  deps.jobs.nudge(VERIFY_QUEUE);
  return { ok: true, requestId };
}

export type NewRequest = Omit<
  Insertable<RegistrationRequestTable>,
  "security_answers" | "mismatch_fields"
> & {
  security_answers: StoredAnswer[];
};

/**
 * One statement, so no transaction: the proof spent (only while proved: a refused registration
 * costs the person no new SMS), and only then the request stored with its verification job. The
 * row goes in as JSON read back as a `registration_requests` record, so each value takes its
 * column's type (the answers a JSON array, not a string of one).
 */
export async function storeRequest(
  deps: Pick<SubmitDeps, "db" | "jobs">,
  verificationId: string,
  request: NewRequest,
): Promise<boolean> {
  const columns = Object.keys(request);
  const stored = await sql<{ stored: number }>`
    with spent as (
      update mobile_verifications set status = 'used' where id = ${verificationId} and status = 'proved'
      returning id),
    request as (
      insert into registration_requests (${sql.join(columns.map((c) => sql.ref(c)))})
      select ${sql.join(columns.map((c) => sql.ref(`r.${c}`)))}
      from spent, jsonb_populate_record(null::registration_requests, ${JSON.stringify(request)}::jsonb) r
      returning id),
    job as (${deps.jobs.insertFrom(VERIFY_QUEUE, "request")})
    select count(*)::int as stored from request`.execute(deps.db);
  return stored.rows[0]!.stored > 0;
}
