import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { verifyIranianNationalId } from "@persian-tools/persian-tools";
import { isValidNationalId, maskNationalId, nationalIdCheckDigit, parseNationalId } from "./national-id.ts";

/** Computes the check digit independently of the code under test. */
function withCheckDigit(firstNine: string): string {
  const sum = [...firstNine].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
  const r = sum % 11;
  return firstNine + String(r < 2 ? r : 11 - r);
}

describe("parseNationalId", () => {
  test("the known sample IDs are valid", () => {
    for (const id of ["0499370899", "0790419904", "0084575948"]) {
      assert.equal(withCheckDigit(id.slice(0, 9)), id);
      assert.deepEqual(parseNationalId(id), { ok: true, value: id });
    }
  });

  test("generated IDs are valid, including check digits 0 and 1 (remainder < 2)", () => {
    const seen = new Set<string>();
    for (let n = 0; n < 2000; n++) {
      const id = withCheckDigit(
        String(123456789 + n * 7919)
          .padStart(9, "0")
          .slice(-9),
      );
      seen.add(id[9]!);
      assert.equal(parseNationalId(id).ok, true, id);
      assert.equal(nationalIdCheckDigit(id), Number(id[9]));
    }
    assert.ok(seen.has("0") && seen.has("1"));
  });

  test("every wrong check digit is refused with checksum", () => {
    const id = "0499370899";
    for (let d = 0; d <= 9; d++) {
      if (String(d) === id[9]) continue;
      assert.deepEqual(parseNationalId(id.slice(0, 9) + d), { ok: false, code: "nationalId.checksum" });
    }
  });

  test("Persian and Arabic digits, spaces, dashes and bidi marks are accepted", () => {
    for (const input of [
      "۰۴۹۹۳۷۰۸۹۹",
      "٠٤٩٩٣٧٠٨٩٩",
      " 049-937089-9 ",
      "049 937 0899",
      "\u200E۰۴۹۹۳۷۰۸۹۹\u200F",
    ]) {
      assert.deepEqual(parseNationalId(input), { ok: true, value: "0499370899" }, input);
    }
  });

  test("missing input is required; wrong length or letters is format", () => {
    assert.deepEqual(parseNationalId(undefined), { ok: false, code: "nationalId.required" });
    assert.deepEqual(parseNationalId("   "), { ok: false, code: "nationalId.required" });
    for (const input of ["499370899", "04993708990", "04993708a9", "+499370899", {}]) {
      assert.deepEqual(parseNationalId(input), { ok: false, code: "nationalId.format" }, String(input));
    }
  });

  test("ten identical digits pass the check digit but are refused", () => {
    for (let d = 0; d <= 9; d++) {
      const id = String(d).repeat(10);
      assert.equal(withCheckDigit(id.slice(0, 9)), id);
      assert.deepEqual(parseNationalId(id), { ok: false, code: "nationalId.invalid" });
    }
  });

  test("isValidNationalId and maskNationalId", () => {
    assert.equal(isValidNationalId("۰۰۸۴۵۷۵۹۴۸"), true);
    assert.equal(isValidNationalId("0084575949"), false);
    assert.equal(maskNationalId("0012345689"), "0012****89");
  });
});

// Why parseNationalId does not delegate to @persian-tools/persian-tools 4.0.4.
describe("verifyIranianNationalId of @persian-tools is not fit for registration", () => {
  test("it accepts 8- and 9-digit input by padding it with zeros", () => {
    assert.equal(verifyIranianNationalId("499370899"), true);
    assert.equal(verifyIranianNationalId("84575948"), true);
    assert.equal(parseNationalId("499370899").ok, false);
  });

  test("it accepts longer input by keeping only its last ten digits", () => {
    assert.equal(verifyIranianNationalId("10499370899"), true);
    assert.equal(verifyIranianNationalId("99990499370899"), true);
    assert.equal(parseNationalId("10499370899").ok, false);
  });

  test("by default it refuses a correct ID whose first three digits are not in its county list", () => {
    const id = withCheckDigit("733123456");
    assert.equal(verifyIranianNationalId(id), false);
    assert.equal(verifyIranianNationalId(id, { checkPrefix: false }), true);
    assert.equal(parseNationalId(id).ok, true);
  });

  test("it does not read Persian digits", () => {
    assert.equal(verifyIranianNationalId("۰۴۹۹۳۷۰۸۹۹"), false);
  });
});
