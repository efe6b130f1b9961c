import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isValidMobile, maskMobile, parseMobile } from "./mobile.ts";

describe("parseMobile", () => {
  test("every accepted spelling gives the canonical 09… form", () => {
    const spellings = [
      "09121234567",
      "9121234567",
      "+989121234567",
      "00989121234567",
      "989121234567",
      "+98 912 123 4567",
      "0912-123-4567",
      "(0912) 123 4567",
      "+98 (0) 912 123 4567",
      "۰۹۱۲۱۲۳۴۵۶۷",
      "٠٩١٢١٢٣٤٥٦٧",
      "+۹۸۹۱۲۱۲۳۴۵۶۷",
      " \u200F۰۹۱۲ ۱۲۳ ۴۵۶۷\u200E ",
    ];
    for (const s of spellings) assert.deepEqual(parseMobile(s), { ok: true, value: "09121234567" }, s);
  });

  test("a 10-digit number starting with 98 is the 9… form, not a country code", () => {
    assert.deepEqual(parseMobile("9812345678"), { ok: true, value: "09812345678" });
  });

  test("empty input is required", () => {
    assert.deepEqual(parseMobile(""), { ok: false, code: "mobile.required" });
    assert.deepEqual(parseMobile(null), { ok: false, code: "mobile.required" });
    assert.deepEqual(parseMobile(" - "), { ok: false, code: "mobile.required" });
  });

  test("landlines, wrong lengths, other countries and letters are format errors", () => {
    const bad = [
      "02188776655",
      "0912123456",
      "091212345678",
      "+19121234567",
      "+4409121234567",
      "0912abc4567",
      "0812 123 4567",
      "+0989121234567",
      9121234567,
    ];
    for (const s of bad) assert.deepEqual(parseMobile(s), { ok: false, code: "mobile.format" }, String(s));
  });

  test("isValidMobile and maskMobile", () => {
    assert.equal(isValidMobile("+989351234567"), true);
    assert.equal(isValidMobile("0935123456"), false);
    assert.equal(maskMobile("09121234567"), "0912***4567");
  });
});
