import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseEmail } from "./email.ts";

describe("parseEmail", () => {
  test("valid addresses, trimmed, domain lower-cased, local part kept", () => {
    assert.deepEqual(parseEmail("  Ali.Rezaei@Gmail.COM "), { ok: true, value: "Ali.Rezaei@gmail.com" });
    assert.deepEqual(parseEmail("a+tag@mail.tamin.ir"), { ok: true, value: "a+tag@mail.tamin.ir" });
    assert.deepEqual(parseEmail("ali۱۳۷۰@yahoo.com"), { ok: true, value: "ali1370@yahoo.com" });
    assert.deepEqual(parseEmail("x@xn--mgba3a4f16a.ir"), { ok: true, value: "x@xn--mgba3a4f16a.ir" });
  });

  test("required", () => {
    assert.deepEqual(parseEmail(""), { ok: false, code: "email.required" });
    assert.deepEqual(parseEmail(undefined), { ok: false, code: "email.required" });
    assert.deepEqual(parseEmail("   "), { ok: false, code: "email.required" });
  });

  test("format", () => {
    const bad = [
      "ali",
      "ali@",
      "@gmail.com",
      "ali@gmail",
      "ali@@gmail.com",
      "a@b@gmail.com",
      "ali rezaei@gmail.com",
      "ali@gmail .com",
      ".ali@gmail.com",
      "ali.@gmail.com",
      "al..i@gmail.com",
      "ali@-gmail.com",
      "ali@gmail..com",
      "ali@gmail.c",
      "ali@gmail.123",
      "علی@gmail.com",
      "ali@ایمیل.ir",
      `${"a".repeat(65)}@gmail.com`,
      `a@${`${"b".repeat(62)}.`.repeat(4)}com`, // 257 characters
      42,
    ];
    for (const s of bad) assert.deepEqual(parseEmail(s), { ok: false, code: "email.format" }, String(s));
  });
});
