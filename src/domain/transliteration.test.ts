import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isSpellingOf, LATIN_LETTERS, matchNameAt, namePatterns } from "./transliteration.ts";

describe("isSpellingOf: the usual Latin spellings of Persian names", () => {
  const cases: [string, string[]][] = [
    ["علی", ["ali", "aly", "Ali"]],
    ["رضایی", ["rezaei", "rezaie", "rezayi", "rezaee", "rezaii"]],
    ["رضا", ["reza", "raza"]],
    ["محمد", ["mohammad", "mohamad", "muhammad", "mohammed"]],
    ["محمدرضا", ["mohammadreza", "mohamadreza"]],
    ["حسینی", ["hosseini", "hoseini", "hosaini", "husseini"]],
    ["زهرا", ["zahra"]],
    ["کریمی", ["karimi", "kariimi"]],
    ["فاطمه", ["fatemeh", "fateme", "fatima", "fatemah"]],
    ["موسوی", ["mousavi", "musavi", "moosavi", "mosavi"]],
    ["مریم", ["maryam", "mariam"]],
    ["یزدی", ["yazdi"]],
    ["سعید", ["saeed", "saeid", "said"]],
    ["امید", ["omid"]],
    ["ایمان", ["iman"]],
    ["ابراهیم", ["ebrahim"]],
    ["عبدالله", ["abdollah", "abdullah"]],
    ["نیک‌نام", ["nik", "nam", "niknam"]],
    ["عبد الله", ["abdollah", "abd"]],
    ["خسرو", ["khosro", "khosrow", "xosro"]],
    ["قاسمی", ["ghasemi", "qasemi"]],
    ["شجاع", ["shoja", "shojaa"]],
    ["ژاله", ["zhaleh", "jaleh"]],
    ["نيك", ["nik"]], // Arabic ي and ك
  ];
  for (const [name, spellings] of cases) {
    test(`${name} → ${spellings.join(", ")}`, () => {
      for (const latin of spellings) assert.ok(isSpellingOf(latin, name), `${latin} spells ${name}`);
    });
  }

  test("other names and words are not spellings", () => {
    assert.equal(isSpellingOf("reza", "علی"), false);
    assert.equal(isSpellingOf("alireza", "علی"), false);
    assert.equal(isSpellingOf("karim", "کریمی"), false);
    assert.equal(isSpellingOf("sara", "زهرا"), false);
    assert.equal(isSpellingOf("", "علی"), false);
    assert.equal(isSpellingOf("ali", ""), false);
  });
});

describe("matchNameAt", () => {
  test("the longest match from a position", () => {
    const [ali] = namePatterns("علی");
    assert.ok(ali);
    assert.equal(matchNameAt(ali, "xaliy1", 1), 5);
    assert.equal(matchNameAt(ali, "xaliy1", 0), -1);
  });

  test("a long name against a long password stays fast (no backtracking)", () => {
    assert.deepEqual(namePatterns("ی".repeat(17)), [], "not a real name's word");
    const [pattern] = namePatterns("ی".repeat(16));
    assert.ok(pattern);
    // CPU time, not the wall clock: on a shared machine the clock also counts other processes' turns.
    const started = process.cpuUsage();
    for (let i = 0; i < 100; i++) matchNameAt(pattern, "e".repeat(200), i);
    const { user, system } = process.cpuUsage(started);
    assert.ok((user + system) / 1000 < 500, `${(user + system) / 1000} ms of CPU`);
  });
});

describe("transliteration, properties", () => {
  const persian = Object.keys(LATIN_LETTERS).filter((ch) => ch !== "\u0621");
  const word = fc.array(fc.constantFrom(...persian), { minLength: 2, maxLength: 10 });

  test("any spelling put together letter by letter, with short vowels between, is found — in any case", () => {
    fc.assert(
      fc.property(word, fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (letters, choices) => {
        const spelling = letters
          .map((ch, i) => {
            const options = LATIN_LETTERS[ch] ?? [""];
            const pick = choices[i] ?? 0;
            const vowel = i < letters.length - 1 && pick % 3 === 0 ? "aeiou"[pick % 5] : "";
            return (options[pick % options.length] ?? "") + vowel;
          })
          .join("");
        fc.pre(spelling.length > 0);
        const name = letters.join("");
        assert.ok(isSpellingOf(spelling, name), `${spelling} ← ${name}`);
        assert.ok(isSpellingOf(spelling.toUpperCase(), name));
        const [pattern] = namePatterns(name);
        assert.ok(pattern && matchNameAt(pattern, `x${spelling}`, 1) >= 1 + spelling.length);
      }),
    );
  });
});
