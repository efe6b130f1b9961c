// Security questions in recovery: always RECOVERY_QUESTION_COUNT of them, whatever the national ID.
// A real account with more answers is asked a keyed, stable choice of them; a national ID with no
// account gets a stable decoy set whose answers can never match. The count, the work (one argon2
// verify per question) and the repeatability are the same either way, so nothing tells them apart.
import { createHmac } from "node:crypto";
import { normalizeAnswer } from "../../domain/persian-text.ts";
import { MIN_SECURITY_ANSWERS, SECURITY_QUESTIONS } from "../../domain/security-questions.ts";
import type { Db } from "../../platform/database.ts";
import { dummyHash, verifySecret } from "../../platform/passwords.ts";

/** Every account has at least this many answers, so every ID can be asked exactly this many. */
export const RECOVERY_QUESTION_COUNT = MIN_SECURITY_ANSWERS;
export const catalogueOrder = (id: string) => SECURITY_QUESTIONS.findIndex((q) => q.id === id);

/** A keyed, stable pick of `count` ids out of `pool` for this national ID, in catalogue order. */
function keyedPick(secretKey: string, label: string, nationalId: string, pool: string[], count: number) {
  const digest = createHmac("sha256", secretKey).update(`${label}:${nationalId}`).digest();
  const left = [...pool].sort((a, b) => catalogueOrder(a) - catalogueOrder(b));
  const picked: string[] = [];
  for (let i = 0; picked.length < count && left.length; i++) {
    const [id] = left.splice(digest[i % digest.length]! % left.length, 1);
    picked.push(id!);
  }
  return picked.sort((a, b) => catalogueOrder(a) - catalogueOrder(b));
}

/** A stable, plausible set of questions for a national ID with no account (keyed, so not guessable). */
export function decoyQuestions(secretKey: string, nationalId: string): string[] {
  const pool = SECURITY_QUESTIONS.map((q) => q.id);
  return keyedPick(secretKey, "decoy-questions", nationalId, pool, RECOVERY_QUESTION_COUNT);
}

type StoredAnswer = { question_id: string; answer_hash: string };

async function storedAnswers(db: Db, accountId: string | null): Promise<StoredAnswer[]> {
  if (!accountId) return [];
  return db
    .selectFrom("security_answers")
    .select(["question_id", "answer_hash"])
    .where("account_id", "=", accountId)
    .execute();
}

/** The questions asked of this national ID: the same on every request, real account or not. */
export async function askedQuestions(
  db: Db,
  secretKey: string,
  nationalId: string,
  accountId: string | null,
): Promise<{ ids: string[]; stored: StoredAnswer[] }> {
  const stored = await storedAnswers(db, accountId);
  if (!stored.length) return { ids: decoyQuestions(secretKey, nationalId), stored };
  const ids = keyedPick(
    secretKey,
    "recovery-questions",
    nationalId,
    stored.map((s) => s.question_id),
    RECOVERY_QUESTION_COUNT,
  );
  return { ids, stored: stored.filter((s) => ids.includes(s.question_id)) };
}

/** Every asked question must be answered rightly; unknown accounts cost the same argon2 work. */
export async function answersMatch(
  db: Db,
  secretKey: string,
  nationalId: string,
  accountId: string | null,
  input: unknown,
): Promise<boolean> {
  const given = new Map<string, string>();
  for (const item of Array.isArray(input) ? input : []) {
    const { questionId, answer } = (item ?? {}) as Record<string, unknown>;
    if (typeof questionId === "string" && typeof answer === "string") given.set(questionId, answer);
  }
  const { stored } = await askedQuestions(db, secretKey, nationalId, accountId);
  const dummy = await dummyHash();
  const checks = stored.length
    ? stored.map((s) => ({ hash: s.answer_hash, answer: given.get(s.question_id) }))
    : Array.from({ length: RECOVERY_QUESTION_COUNT }, () => ({ hash: dummy, answer: undefined }));
  const results = await Promise.all(checks.map((c) => verifySecret(c.hash, normalizeAnswer(c.answer ?? ""))));
  return stored.length > 0 && checks.every((c) => c.answer !== undefined) && results.every(Boolean);
}
