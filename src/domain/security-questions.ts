import { normalizeAnswer, normalizePersian } from "./persian-text.ts";
import type { FieldError } from "./result.ts";

export type SecurityQuestion = { id: string; key: string };
export type SecurityAnswer = { questionId: string; answer: string };

const QUESTION_COUNT = 12;

/** The catalogue; texts live in the message files under `key`. Ids are stored: never reuse one. */
export const SECURITY_QUESTIONS: readonly SecurityQuestion[] = Array.from(
  { length: QUESTION_COUNT },
  (_, i) => ({
    id: `q${i + 1}`,
    key: `securityQuestions.q${i + 1}`,
  }),
);

export const MIN_SECURITY_ANSWERS = 3;
export const MAX_SECURITY_ANSWERS = 5;
export const ANSWER_MIN_LENGTH = 2;
export const ANSWER_MAX_LENGTH = 100;

export const SECURITY_ANSWER_CODES = [
  "securityAnswers.tooFew",
  "securityAnswers.tooMany",
  "securityAnswers.questionRequired",
  "securityAnswers.unknownQuestion",
  "securityAnswers.duplicate",
  "securityAnswers.answerTooShort",
  "securityAnswers.answerTooLong",
] as const;
type SecurityAnswerCode = (typeof SECURITY_ANSWER_CODES)[number];

const questionIds = new Set(SECURITY_QUESTIONS.map((q) => q.id));

export function isSecurityQuestionId(id: unknown): id is string {
  return typeof id === "string" && questionIds.has(id);
}

/**
 * Checks the chosen questions and answers. The returned answers are already in comparison form
 * (normalizeAnswer), ready to be hashed; normalizeAnswer is idempotent, so hashing
 * normalizeAnswer(answer) gives the same result. List problems use the field `securityAnswers`,
 * a problem of one item `securityAnswers.<index>.questionId` or `securityAnswers.<index>.answer`.
 */
export function validateSecurityAnswers(input: unknown): { value: SecurityAnswer[]; errors: FieldError[] } {
  const items: unknown[] = Array.isArray(input) ? input : [];
  const errors: FieldError[] = [];
  const value: SecurityAnswer[] = [];
  const add = (field: string, code: SecurityAnswerCode) => errors.push({ field, code });

  if (items.length < MIN_SECURITY_ANSWERS) add("securityAnswers", "securityAnswers.tooFew");
  if (items.length > MAX_SECURITY_ANSWERS) add("securityAnswers", "securityAnswers.tooMany");

  const seen = new Set<string>();
  items.forEach((item, index) => {
    const { questionId, answer } = (typeof item === "object" && item !== null ? item : {}) as Record<
      string,
      unknown
    >;
    const prefix = `securityAnswers.${index}`;
    let itemOk = true;
    if (questionId === undefined || questionId === null || questionId === "") {
      add(`${prefix}.questionId`, "securityAnswers.questionRequired");
      itemOk = false;
    } else if (!isSecurityQuestionId(questionId)) {
      add(`${prefix}.questionId`, "securityAnswers.unknownQuestion");
      itemOk = false;
    } else if (seen.has(questionId)) {
      add(`${prefix}.questionId`, "securityAnswers.duplicate");
      itemOk = false;
    } else {
      seen.add(questionId);
    }
    const text = typeof answer === "string" ? answer : "";
    const normalized = normalizeAnswer(text);
    if ([...normalized].length < ANSWER_MIN_LENGTH) {
      add(`${prefix}.answer`, "securityAnswers.answerTooShort");
      itemOk = false;
    } else if ([...normalizePersian(text)].length > ANSWER_MAX_LENGTH) {
      add(`${prefix}.answer`, "securityAnswers.answerTooLong");
      itemOk = false;
    }
    if (itemOk && typeof questionId === "string") value.push({ questionId, answer: normalized });
  });
  return { value, errors };
}
