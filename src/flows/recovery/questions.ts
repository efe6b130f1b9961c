// Security questions in recovery: the account's own questions, or for a national ID with no
// account a stable decoy set derived with a keyed hash, whose answers can never match.
import { createHmac } from "node:crypto";
import { normalizeAnswer } from "../../domain/persian-text.ts";
import { SECURITY_QUESTIONS } from "../../domain/security-questions.ts";
import type { Db } from "../../platform/database.ts";
import { dummyHash, verifySecret } from "../../platform/passwords.ts";

const DECOY_QUESTION_COUNT = 3;
export const catalogueOrder = (id: string) => SECURITY_QUESTIONS.findIndex((q) => q.id === id);

/** A stable, plausible set of questions for a national ID with no account (keyed, so not guessable). */
export function decoyQuestions(secretKey: string, nationalId: string): string[] {
  const digest = createHmac("sha256", secretKey).update(`decoy-questions:${nationalId}`).digest();
  const pool = SECURITY_QUESTIONS.map((q) => q.id);
  const picked: string[] = [];
  for (let i = 0; picked.length < DECOY_QUESTION_COUNT; i++) {
    const [id] = pool.splice(digest[i]! % pool.length, 1);
    picked.push(id!);
  }
  return picked.sort((a, b) => catalogueOrder(a) - catalogueOrder(b));
}

/** Every listed question must be answered rightly; unknown accounts cost the same argon2 work. */
export async function answersMatch(db: Db, accountId: string | null, input: unknown): Promise<boolean> {
  const given = new Map<string, string>();
  for (const item of Array.isArray(input) ? input : []) {
    const { questionId, answer } = (item ?? {}) as Record<string, unknown>;
    if (typeof questionId === "string" && typeof answer === "string") given.set(questionId, answer);
  }
  const stored = accountId
    ? await db
        .selectFrom("security_answers")
        .select(["question_id", "answer_hash"])
        .where("account_id", "=", accountId)
        .execute()
    : [];
  const dummy = await dummyHash();
  const checks = stored.length
    ? stored.map((s) => ({ hash: s.answer_hash, answer: given.get(s.question_id) }))
    : Array.from({ length: DECOY_QUESTION_COUNT }, () => ({ hash: dummy, answer: undefined }));
  const results = await Promise.all(checks.map((c) => verifySecret(c.hash, normalizeAnswer(c.answer ?? ""))));
  return stored.length > 0 && checks.every((c) => c.answer !== undefined) && results.every(Boolean);
}
