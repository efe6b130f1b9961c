import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkPassword, PASSWORD_RULES, validatePasswordPair } from "./password-policy.ts";

const nationalId = "0499370899";

describe("checkPassword", () => {
  test("a password keeping every rule", () => {
    assert.deepEqual(checkPassword("Tamin1404", nationalId), []);
    assert.deepEqual(checkPassword("aB3aB3aB"), []);
  });

  test("each rule alone", () => {
    assert.deepEqual(checkPassword("Tamin 1404", nationalId), ["password.charset"]);
    assert.deepEqual(checkPassword("Tamin_1404", nationalId), ["password.charset"]);
    assert.deepEqual(checkPassword("Tam1404", nationalId), ["password.length"]);
    assert.deepEqual(checkPassword("tamin1404", nationalId), ["password.upper"]);
    assert.deepEqual(checkPassword("TAMIN1404", nationalId), ["password.lower"]);
    assert.deepEqual(checkPassword("TaminTamin", nationalId), ["password.digit"]);
    assert.deepEqual(checkPassword(`Ab${nationalId}`, nationalId), ["password.nationalId"]);
  });

  test("Persian digits in the password are a charset error, never converted", () => {
    assert.deepEqual(checkPassword("Tamin۱۴۰۴", nationalId), ["password.charset", "password.digit"]);
    assert.deepEqual(checkPassword("Tamin1404۱"), ["password.charset"]);
  });

  test("the national ID is found whatever digits either side uses", () => {
    assert.deepEqual(checkPassword(`Ab${nationalId}`, "۰۴۹۹۳۷۰۸۹۹"), ["password.nationalId"]);
    assert.deepEqual(checkPassword("Ab۰۴۹۹۳۷۰۸۹۹", nationalId), [
      "password.charset",
      "password.digit",
      "password.nationalId",
    ]);
    assert.deepEqual(checkPassword(`Ab${nationalId}`), []);
  });

  test("all broken rules are reported, in the guide's order", () => {
    assert.deepEqual(checkPassword("ب"), [
      "password.charset",
      "password.length",
      "password.upper",
      "password.lower",
      "password.digit",
    ]);
    assert.deepEqual(
      PASSWORD_RULES.map((r) => r.code),
      [
        "password.charset",
        "password.length",
        "password.upper",
        "password.lower",
        "password.digit",
        "password.nationalId",
      ],
    );
  });

  test("the live checklist: each rule's test is true when kept", () => {
    const kept = PASSWORD_RULES.filter((r) => r.test("abc", nationalId)).map((r) => r.code);
    assert.deepEqual(kept, ["password.charset", "password.lower", "password.nationalId"]);
  });
});

describe("validatePasswordPair", () => {
  test("a good pair has no errors", () => {
    assert.deepEqual(validatePasswordPair("Tamin1404", "Tamin1404", nationalId), []);
  });

  test("missing password and confirmation", () => {
    assert.deepEqual(validatePasswordPair(undefined, "", nationalId), [
      { field: "password", code: "password.required" },
      { field: "passwordConfirmation", code: "passwordConfirmation.required" },
    ]);
  });

  test("mismatch, including by case or a trailing space", () => {
    const mismatch = [{ field: "passwordConfirmation", code: "passwordConfirmation.mismatch" }];
    assert.deepEqual(validatePasswordPair("Tamin1404", "tamin1404"), mismatch);
    assert.deepEqual(validatePasswordPair("Tamin1404", "Tamin1404 "), mismatch);
  });

  test("each broken rule is its own error on the password field", () => {
    assert.deepEqual(validatePasswordPair("tamin", "tamin"), [
      { field: "password", code: "password.length" },
      { field: "password", code: "password.upper" },
      { field: "password", code: "password.digit" },
    ]);
  });
});
