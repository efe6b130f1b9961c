import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizeAnswer, normalizeName, normalizePersian, parsePersonName } from "./persian-text.ts";

const ZWNJ = "\u200C";

describe("normalizePersian", () => {
  test("Arabic ي ى ك become Persian ی ک", () => {
    assert.equal(normalizePersian("علي"), "علی");
    assert.equal(normalizePersian("مصطفى"), "مصطفی");
    assert.equal(normalizePersian("كاظم"), "کاظم");
    assert.equal(normalizePersian("يكتا"), normalizePersian("یکتا"));
  });

  test("hamza seats and variants fold; آ is kept", () => {
    assert.equal(normalizePersian("أحمد"), "احمد");
    assert.equal(normalizePersian("إبراهیم"), "ابراهیم");
    assert.equal(normalizePersian("فائزه"), "فایزه");
    assert.equal(normalizePersian("مؤمن"), "مومن");
    assert.equal(normalizePersian("فاطمة"), "فاطمه");
    assert.equal(normalizePersian("آرش"), "آرش");
    assert.notEqual(normalizePersian("آرش"), normalizePersian("ارش"));
  });

  test("diacritics and tatweel are removed", () => {
    assert.equal(normalizePersian("مُحَمَّد"), "محمد");
    assert.equal(normalizePersian("تهـــران"), "تهران");
    assert.equal(normalizePersian("رحمٰن"), "رحمن");
  });

  test("ZWNJ and zero-width spaces become one space; whitespace collapses", () => {
    assert.equal(normalizePersian(`می${ZWNJ}روم`), "می روم");
    assert.equal(normalizePersian("  سلام \u200B\t  دنیا\n"), "سلام دنیا");
    assert.equal(normalizePersian("\u200Fتهران\u200E"), "تهران");
  });

  test("Persian and Arabic digits become Latin; presentation forms become letters", () => {
    assert.equal(normalizePersian("پلاک ۱۲ و ٣٤"), "پلاک 12 و 34");
    assert.equal(normalizePersian("\uFEE3\uFEA4\uFEE4\uFEAA"), "محمد");
  });
});

describe("normalizeName", () => {
  test("spaces and ZWNJ do not matter", () => {
    const forms = ["عبدالله", "عبد الله", `عبد${ZWNJ}الله`, " عبدُ  الله "];
    for (const form of forms) assert.equal(normalizeName(form), "عبدالله", form);
    assert.equal(normalizeName("علي رضا"), normalizeName("علیرضا"));
  });
});

describe("normalizeAnswer", () => {
  test("case, spaces, letter forms and digits do not matter", () => {
    assert.equal(normalizeAnswer("Peykan 48"), normalizeAnswer("peykan48"));
    assert.equal(normalizeAnswer("پيکان ۴۸"), normalizeAnswer("پیکان48"));
    assert.equal(normalizeAnswer("خيابان كارگر"), normalizeAnswer(`خیابان${ZWNJ}کارگر`));
    assert.equal(normalizeAnswer("  MASHHAD "), "mashhad");
  });

  test("is idempotent, so hashing a normalised answer again changes nothing", () => {
    for (const s of ["Peykan ۴۸", "عبدُ الله", "فائزه  Ali", `می${ZWNJ}روم`]) {
      assert.equal(normalizeAnswer(normalizeAnswer(s)), normalizeAnswer(s));
    }
  });
});

describe("parsePersonName", () => {
  test("keeps the name as written, with letter forms fixed and single spaces", () => {
    assert.deepEqual(parsePersonName("  علي   رضا ", "firstName"), { ok: true, value: "علی رضا" });
    assert.deepEqual(parsePersonName("كاظمي", "lastName"), { ok: true, value: "کاظمی" });
    assert.deepEqual(parsePersonName("فائزه", "firstName"), { ok: true, value: "فائزه" });
    assert.deepEqual(parsePersonName("آرش", "firstName"), { ok: true, value: "آرش" });
    assert.deepEqual(parsePersonName("مُحَمَّد", "firstName"), { ok: true, value: "محمد" });
  });

  test("ZWNJ is kept inside a name but never doubled, at the edges or beside a space", () => {
    assert.deepEqual(parsePersonName(`عبد${ZWNJ}الله`, "firstName"), { ok: true, value: `عبد${ZWNJ}الله` });
    assert.deepEqual(parsePersonName(`${ZWNJ}عبد${ZWNJ}${ZWNJ}الله${ZWNJ}`, "firstName"), {
      ok: true,
      value: `عبد${ZWNJ}الله`,
    });
    assert.deepEqual(parsePersonName(`عبد ${ZWNJ}الله`, "firstName"), { ok: true, value: "عبد الله" });
  });

  test("required: missing, empty, or only spaces and ZWNJ", () => {
    for (const input of [undefined, null, "", "   ", `${ZWNJ} ${ZWNJ}`]) {
      assert.deepEqual(parsePersonName(input, "lastName"), { ok: false, code: "lastName.required" });
    }
  });

  test("format: Latin letters, digits, symbols, one letter, more than 50 letters", () => {
    for (const input of ["Ali", "علی2", "علی۲", "علی-رضا", "ع", "ب".repeat(51), 42]) {
      assert.deepEqual(
        parsePersonName(input, "firstName"),
        { ok: false, code: "firstName.format" },
        String(input),
      );
    }
    assert.equal(parsePersonName("ب".repeat(50), "firstName").ok, true);
  });
});
