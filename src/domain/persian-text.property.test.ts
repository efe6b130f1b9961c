// Property tests (fast-check) of Persian text normalisation and of name matching.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { mismatchedFields } from "./identity-match.ts";
import { cleanPersianText, normalizeAnswer, normalizeName, normalizePersian } from "./persian-text.ts";

const LETTERS = [..."آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءئؤأإة"];
const VARIANTS: Record<string, string[]> = { ی: ["ي", "ى"], ک: ["ك"], ه: ["ة", "ۀ", "ھ"], ا: ["أ", "إ"] };
const MARKS = [
  "\u064E",
  "\u064F",
  "\u0650",
  "\u0651",
  "\u0652",
  "\u064B",
  "\u0640",
  "\u200C",
  "\u200B",
  "\u200F",
  " ",
];
const letter = fc.constantFrom(...LETTERS);
/** A name: Persian letters, one to three words. */
const name = fc
  .array(fc.array(letter, { minLength: 2, maxLength: 8 }), { minLength: 1, maxLength: 3 })
  .map((words) => words.map((w) => w.join("")).join(" "));
/** Anything a person may paste: letters, their Arabic forms, marks, digits of three scripts, Latin. */
const messy = fc.string({
  unit: fc.constantFrom(
    ...LETTERS,
    ...Object.values(VARIANTS).flat(),
    ...MARKS,
    ..."09۰۹٠٩aZ \t\n".split(""),
    "ﻋ",
    "ﻠ",
  ),
  maxLength: 24,
});

/** The same name as another keyboard, a PDF or a careful typist would write it. */
function variant(base: string, choices: number[]): string {
  let i = 0;
  const pick = () => choices[i++ % choices.length] ?? 0;
  return [...base]
    .map((ch) => {
      const forms = VARIANTS[ch];
      const form = forms && pick() % 2 === 0 ? (forms[pick() % forms.length] ?? ch) : ch;
      const mark = pick() % 3 === 0 ? (MARKS[pick() % MARKS.length] ?? "") : "";
      return form + mark;
    })
    .join("");
}

describe("Persian text, properties", () => {
  test("every normalisation is idempotent", () => {
    fc.assert(
      fc.property(messy, (s) => {
        for (const f of [normalizePersian, normalizeName, normalizeAnswer, cleanPersianText])
          assert.equal(f(f(s)), f(s));
      }),
    );
  });

  test("a name written with other letter forms, diacritics, tatweel, ZWNJ or spaces still matches", () => {
    fc.assert(
      fc.property(name, fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (base, choices) => {
        const other = variant(base, choices);
        const claim = {
          firstName: base,
          lastName: base,
          gender: "male" as const,
          birthCertificateNumber: "1",
          birthDate: "1370/01/01",
        };
        assert.deepEqual(mismatchedFields(claim, { ...claim, firstName: other, lastName: ` ${other} ` }), []);
      }),
    );
  });

  test("name matching is symmetric", () => {
    const claim = (firstName: string, lastName: string, cert: string) => ({
      firstName,
      lastName,
      gender: "female" as const,
      birthCertificateNumber: cert,
      birthDate: "1370/05/21",
    });
    const cert = fc.stringMatching(/^\d{1,4}$/);
    fc.assert(
      fc.property(fc.oneof(name, messy), fc.oneof(name, messy), cert, cert, (a, b, c1, c2) => {
        const x = claim(a, b, c1);
        const y = claim(b, a, c2);
        assert.deepEqual(mismatchedFields(x, y), mismatchedFields(y, x));
        assert.deepEqual(mismatchedFields(x, x), []);
      }),
    );
  });

  test("different letters stay different names", () => {
    fc.assert(
      fc.property(name, letter, letter, (base, a, b) => {
        fc.pre(normalizeName(a) !== normalizeName(b));
        assert.notEqual(normalizeName(base + a), normalizeName(base + b));
      }),
    );
  });
});
