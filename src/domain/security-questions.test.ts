import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  MAX_SECURITY_ANSWERS,
  MIN_SECURITY_ANSWERS,
  SECURITY_QUESTIONS,
  validateSecurityAnswers,
} from "./security-questions.ts";

const answers = (...pairs: [string, unknown][]) =>
  pairs.map(([questionId, answer]) => ({ questionId, answer }));
const three = answers(["q1", "خانم احمدی"], ["q2", "تبريز"], ["q9", "Peykan ۴۸"]);

describe("SECURITY_QUESTIONS", () => {
  test("at least 10 questions with unique ids and message keys", () => {
    assert.ok(SECURITY_QUESTIONS.length >= 10);
    assert.equal(new Set(SECURITY_QUESTIONS.map((q) => q.id)).size, SECURITY_QUESTIONS.length);
    for (const q of SECURITY_QUESTIONS) assert.equal(q.key, `securityQuestions.${q.id}`);
    assert.equal(MIN_SECURITY_ANSWERS, 3);
    assert.equal(MAX_SECURITY_ANSWERS, 5);
  });
});

describe("validateSecurityAnswers", () => {
  test("three good answers come back normalised for hashing", () => {
    assert.deepEqual(validateSecurityAnswers(three), {
      value: [
        { questionId: "q1", answer: "خانماحمدی" },
        { questionId: "q2", answer: "تبریز" },
        { questionId: "q9", answer: "peykan48" },
      ],
      errors: [],
    });
  });

  test("fewer than three, or not a list, is tooFew; more than five is tooMany", () => {
    const tooFew = [{ field: "securityAnswers", code: "securityAnswers.tooFew" }];
    assert.deepEqual(validateSecurityAnswers(three.slice(0, 2)).errors, tooFew);
    assert.deepEqual(validateSecurityAnswers(undefined).errors, tooFew);
    assert.deepEqual(validateSecurityAnswers("q1").errors, tooFew);
    const six = SECURITY_QUESTIONS.slice(0, 6).map((q) => ({ questionId: q.id, answer: "پاسخ" }));
    assert.deepEqual(validateSecurityAnswers(six).errors, [
      { field: "securityAnswers", code: "securityAnswers.tooMany" },
    ]);
    assert.deepEqual(validateSecurityAnswers(six.slice(0, 5)).errors, []);
  });

  test("an unknown question id; a question not chosen is asked for, not called unknown (issue 14)", () => {
    const result = validateSecurityAnswers([...three, { questionId: "q999", answer: "پاسخ" }, "junk"]);
    assert.deepEqual(result.errors, [
      { field: "securityAnswers.3.questionId", code: "securityAnswers.unknownQuestion" },
      { field: "securityAnswers.4.questionId", code: "securityAnswers.questionRequired" },
      { field: "securityAnswers.4.answer", code: "securityAnswers.answerTooShort" },
    ]);
    assert.equal(result.value.length, 3);
  });

  test("an empty choice is questionRequired", () => {
    const result = validateSecurityAnswers([...three.slice(0, 2), { questionId: "", answer: "پاسخ" }]);
    assert.deepEqual(result.errors, [
      { field: "securityAnswers.2.questionId", code: "securityAnswers.questionRequired" },
    ]);
  });

  test("the same question twice", () => {
    const result = validateSecurityAnswers([...three, { questionId: "q2", answer: "شیراز" }]);
    assert.deepEqual(result.errors, [
      { field: "securityAnswers.3.questionId", code: "securityAnswers.duplicate" },
    ]);
  });

  test("empty or one-character answers after normalisation are too short", () => {
    const result = validateSecurityAnswers(
      answers(["q1", "  "], ["q2", "\u200C ـ "], ["q3", "ب"], ["q4", undefined]),
    );
    assert.deepEqual(
      result.errors.map((e) => e.field),
      [
        "securityAnswers.0.answer",
        "securityAnswers.1.answer",
        "securityAnswers.2.answer",
        "securityAnswers.3.answer",
      ],
    );
    assert.ok(result.errors.every((e) => e.code === "securityAnswers.answerTooShort"));
    assert.deepEqual(validateSecurityAnswers(answers(["q1", "ab"], ["q2", "۱۲"], ["q3", "ما"])).errors, []);
  });

  test("answers over 100 characters are too long", () => {
    const result = validateSecurityAnswers(
      answers(["q1", "ا".repeat(101)], ["q2", "ا".repeat(100)], ["q3", "ok"]),
    );
    assert.deepEqual(result.errors, [
      { field: "securityAnswers.0.answer", code: "securityAnswers.answerTooLong" },
    ]);
  });
});
