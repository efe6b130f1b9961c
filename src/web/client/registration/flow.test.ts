// Where the wizard may be, and what its draft keeps: without a browser, on the wizard's own rules.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { ali } from "../../../../test/helpers/people.ts";
import { loadDraft, saveDraft, stepsWithSecrets } from "./draft.ts";
import { firstIncomplete, REVIEW, reachable, stepFromPath } from "./flow.ts";
import { type MobileProof, NO_PROOF } from "./mobile.tsx";
import { EMPTY, type Values } from "./types.ts";

const full: Values = { ...EMPTY, ...ali, securityAnswers: ali.securityAnswers.map((a) => ({ ...a })) };
const pair = { nationalId: ali.nationalId, mobile: ali.mobile };
const proved: MobileProof = { ...NO_PROOF, sentFor: pair, verificationId: "v1", proof: { pair, value: "p" } };

describe("wizard steps and addresses", () => {
  test("/register is step 1; /register/1 … /register/6 are steps; nothing else is", () => {
    assert.equal(stepFromPath("/register"), 0);
    assert.equal(stepFromPath("/register/1"), 0);
    assert.equal(stepFromPath("/register/6"), REVIEW);
    for (const p of ["/register/0", "/register/7", "/register/12", "/register/x", "/registers", "/track"])
      assert.equal(stepFromPath(p), null, p);
  });

  test("a step is reached only when the steps before it are complete", () => {
    assert.equal(reachable(3, EMPTY, NO_PROOF), 0, "nothing done: step 1");
    assert.equal(reachable(3, full, NO_PROOF), 0, "step 1 needs the proved mobile");
    assert.equal(reachable(3, full, proved), 3);
    assert.equal(
      reachable(4, { ...full, birthDate: "2000/01/01" }, proved),
      1,
      "a Gregorian date is not done",
    );
    const other = { ...proved, proof: { pair: { ...pair, mobile: "09351234567" }, value: "p" } };
    assert.equal(reachable(2, full, other), 0, "a proof of another number does not count");
  });

  test("secrets do not count on the way (a reload keeps the step); the review needs them", () => {
    const reloaded: Values = {
      ...full,
      password: "",
      passwordConfirmation: "",
      securityAnswers: full.securityAnswers.map((a) => ({ ...a, answer: "" })),
    };
    assert.equal(reachable(4, reloaded, proved), 4);
    assert.equal(reachable(REVIEW, reloaded, proved), 3, "the review sends to the answers");
    assert.equal(reachable(REVIEW, { ...reloaded, securityAnswers: full.securityAnswers }, proved), 4);
    assert.equal(reachable(REVIEW, full, proved), REVIEW);
    const noQuestion = {
      ...reloaded,
      securityAnswers: [{ questionId: "", answer: "" }, ...reloaded.securityAnswers.slice(1)],
    };
    assert.equal(reachable(4, noQuestion, proved), 3, "a question not chosen is not a secret");
  });

  test("back to the review after «تغییر»: the first incomplete step, else the review", () => {
    assert.equal(firstIncomplete(full, proved, 2), REVIEW);
    assert.equal(firstIncomplete({ ...full, password: "" }, proved, 2), 4);
    assert.equal(
      firstIncomplete({ ...full, email: "x" }, proved, 2),
      REVIEW,
      "the step being left is not asked",
    );
  });
});

describe("the draft in sessionStorage", () => {
  const store = new Map<string, string>();
  beforeEach(() => {
    store.clear();
    Object.assign(globalThis, {
      sessionStorage: {
        getItem: (k: string) => store.get(k) ?? null,
        setItem: (k: string, v: string) => store.set(k, v),
        removeItem: (k: string) => store.delete(k),
      },
    });
  });

  test("keeps the values and the proof, never the password, the answers or the code", () => {
    const typing = { ...proved, proof: null, code: "808080" };
    saveDraft({ values: full, proof: typing, returning: true, secretSteps: stepsWithSecrets(full, typing) });
    const text = [...store.values()].join("");
    for (const secret of [ali.password, "808080", ...ali.securityAnswers.map((a) => a.answer)])
      assert.ok(!text.includes(secret), secret);
    const draft = loadDraft();
    assert.ok(draft);
    assert.equal(draft.values.email, ali.email);
    assert.equal(draft.values.birthDate, ali.birthDate);
    assert.deepEqual(
      draft.values.securityAnswers.map((a) => a.questionId),
      ali.securityAnswers.map((a) => a.questionId),
    );
    assert.equal(draft.values.password, "");
    assert.equal(draft.proof.code, "");
    assert.equal(draft.proof.verificationId, "v1");
    assert.equal(draft.returning, true);
    assert.deepEqual(draft.secretSteps, [0, 3, 4]);
  });

  test("a draft this version did not write is no draft", () => {
    for (const junk of ["{", "null", "[]", JSON.stringify({ values: { nationalId: 1 } })]) {
      store.set("hoviat.registration", junk);
      assert.equal(loadDraft(), null, junk);
    }
  });
});
