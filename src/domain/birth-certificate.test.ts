import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseBirthCertificateNumber } from "./birth-certificate.ts";

describe("parseBirthCertificateNumber", () => {
  test("1 to 10 digits in either digit set, trimmed", () => {
    assert.deepEqual(parseBirthCertificateNumber("1"), { ok: true, value: "1" });
    assert.deepEqual(parseBirthCertificateNumber(" ۱۲۳۴۵ "), { ok: true, value: "12345" });
    assert.deepEqual(parseBirthCertificateNumber("٤٥٦"), { ok: true, value: "456" });
    assert.deepEqual(parseBirthCertificateNumber(1234), { ok: true, value: "1234" });
  });

  test("it may equal the national ID, leading zero kept", () => {
    assert.deepEqual(parseBirthCertificateNumber("0499370899"), { ok: true, value: "0499370899" });
  });

  test("0 and all zeros are refused with the guide's note", () => {
    for (const s of ["0", "۰", "000", "0000000000", 0]) {
      assert.deepEqual(parseBirthCertificateNumber(s), { ok: false, code: "birthCertificateNumber.zero" });
    }
  });

  test("empty is required; letters, signs, inner spaces and > 10 digits are format errors", () => {
    assert.deepEqual(parseBirthCertificateNumber(""), { ok: false, code: "birthCertificateNumber.required" });
    assert.deepEqual(parseBirthCertificateNumber(undefined), {
      ok: false,
      code: "birthCertificateNumber.required",
    });
    for (const s of ["12a", "-12", "12 34", "12345678901", "1.5", "۱۲/۳"]) {
      assert.deepEqual(
        parseBirthCertificateNumber(s),
        { ok: false, code: "birthCertificateNumber.format" },
        s,
      );
    }
  });
});
