import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compactNumber, removeInvisible, toLatinDigits, toPersianDigits } from "./digits.ts";

describe("digits", () => {
  test("Persian and Arabic-Indic digits become Latin", () => {
    assert.equal(toLatinDigits("۰۱۲۳۴۵۶۷۸۹"), "0123456789");
    assert.equal(toLatinDigits("٠١٢٣٤٥٦٧٨٩"), "0123456789");
    assert.equal(toLatinDigits("کد ۱۲3٤"), "کد 1234");
  });

  test("Latin and Arabic-Indic digits become Persian", () => {
    assert.equal(toPersianDigits("1370/05/21"), "۱۳۷۰/۰۵/۲۱");
    assert.equal(toPersianDigits(48), "۴۸");
    assert.equal(toPersianDigits("٤٨"), "۴۸");
  });

  test("invisible marks are removed but ZWNJ is kept in text", () => {
    assert.equal(removeInvisible("\u200F0912\u200E"), "0912");
    assert.equal(removeInvisible("می\u200Cروم"), "می\u200Cروم");
    assert.equal(compactNumber("\u202B۰۹۱۲\u200C ۱\u202C", /\s/g), "09121");
  });
});
