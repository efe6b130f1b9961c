import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { commonPasswords } from "./common-passwords.ts";
import {
  canJudge,
  checkPassword,
  hasNonLatin,
  PASSWORD_RULES,
  validatePasswordPair,
} from "./password-policy.ts";

const nationalId = "0499370899";

describe("checkPassword", () => {
  test("a password keeping every rule", () => {
    assert.deepEqual(checkPassword("Kavir1404", { nationalId }), []);
    assert.deepEqual(checkPassword("aB3aB3aB"), []);
  });

  test("each rule alone", () => {
    assert.deepEqual(checkPassword("Kavir 1404", { nationalId }), ["password.charset"]);
    assert.deepEqual(checkPassword("Kavir_1404", { nationalId }), ["password.charset"]);
    assert.deepEqual(checkPassword("Tam1404", { nationalId }), ["password.length"]);
    assert.deepEqual(checkPassword("tamin1404", { nationalId }), ["password.upper"]);
    assert.deepEqual(checkPassword("TAMIN1404", { nationalId }), ["password.lower"]);
    assert.deepEqual(checkPassword("KavirKavir", { nationalId }), ["password.digit"]);
    assert.deepEqual(checkPassword(`Ab${nationalId}`, { nationalId }), ["password.nationalId"]);
  });

  test("Persian digits in the password are a charset error, never converted", () => {
    assert.deepEqual(checkPassword("Kavir۱۴۰۴", { nationalId }), ["password.charset", "password.digit"]);
    assert.deepEqual(checkPassword("Kavir1404۱"), ["password.charset"]);
  });

  test("the national ID is found whatever digits either side uses", () => {
    assert.deepEqual(checkPassword(`Ab${nationalId}`, { nationalId: "۰۴۹۹۳۷۰۸۹۹" }), ["password.nationalId"]);
    assert.deepEqual(checkPassword("Ab۰۴۹۹۳۷۰۸۹۹", { nationalId }), [
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
        "password.commonOrPersonal",
      ],
    );
  });

  test("the live checklist: each rule's test is true when kept", () => {
    const kept = PASSWORD_RULES.filter((r) => r.test("abc", { nationalId })).map((r) => r.code);
    assert.deepEqual(kept, [
      "password.charset",
      "password.lower",
      "password.nationalId",
      "password.commonOrPersonal",
    ]);
  });
});

describe("the blocklist rule (beyond the guide)", () => {
  const blocklist = commonPasswords();
  const ali = { nationalId: "0012345679", firstName: "علی", lastName: "رضایی", birthDate: "1365/04/12" };

  test("a common password, with or without the person", () => {
    assert.deepEqual(checkPassword("Password1", { blocklist }), ["password.commonOrPersonal"]);
    assert.deepEqual(checkPassword("P4ssw0rd2026", { ...ali, blocklist }), ["password.commonOrPersonal"]);
  });

  test("a password made of the person's data, even without the blocklist (the browser before it loads)", () => {
    assert.deepEqual(checkPassword("AliRezaei1365", ali), ["password.commonOrPersonal"]);
    assert.deepEqual(checkPassword("AliRezaei1365", { ...ali, blocklist }), ["password.commonOrPersonal"]);
    assert.deepEqual(checkPassword("AliRezaei1365"), []);
  });

  test("with the other rules: every broken one at once", () => {
    assert.deepEqual(checkPassword("password", { blocklist }), [
      "password.upper",
      "password.digit",
      "password.commonOrPersonal",
    ]);
  });
});

describe("validatePasswordPair", () => {
  test("a good pair has no errors", () => {
    assert.deepEqual(validatePasswordPair("Kavir1404", "Kavir1404", { nationalId }), []);
  });

  test("missing password and confirmation", () => {
    assert.deepEqual(validatePasswordPair(undefined, "", { nationalId }), [
      { field: "password", code: "password.required" },
      { field: "passwordConfirmation", code: "passwordConfirmation.required" },
    ]);
  });

  test("mismatch, including by case or a trailing space", () => {
    const mismatch = [{ field: "passwordConfirmation", code: "passwordConfirmation.mismatch" }];
    assert.deepEqual(validatePasswordPair("Kavir1404", "tamin1404"), mismatch);
    assert.deepEqual(validatePasswordPair("Kavir1404", "Kavir1404 "), mismatch);
  });

  test('"abc": too short, no upper-case, no digit, all listed (issue 14)', () => {
    assert.deepEqual(validatePasswordPair("abc", "abc"), [
      { field: "password", code: "password.length" },
      { field: "password", code: "password.upper" },
      { field: "password", code: "password.digit" },
    ]);
  });

  test("each broken rule is its own error on the password field", () => {
    assert.deepEqual(validatePasswordPair("tamin", "tamin"), [
      { field: "password", code: "password.length" },
      { field: "password", code: "password.upper" },
      { field: "password", code: "password.digit" },
    ]);
  });
});

describe("what a page can judge (issue 21)", () => {
  const rule = (code: string) => PASSWORD_RULES.find((r) => r.code === code)!;
  const blocklist = commonPasswords();

  test("the common-or-personal rule only with all of the person's data and the blocklist", () => {
    const common = rule("password.commonOrPersonal");
    assert.equal(canJudge(common, { nationalId, blocklist }, false), false, "recovery knows the ID only");
    assert.equal(canJudge(common, { nationalId }, true), false, "the blocklist has not arrived");
    assert.equal(canJudge(common, { nationalId, blocklist }, true), true);
  });

  test("the national-ID rule with the ID; the others always", () => {
    assert.equal(canJudge(rule("password.nationalId"), {}, true), false);
    assert.equal(canJudge(rule("password.nationalId"), { nationalId }, false), true);
    assert.equal(canJudge(rule("password.length"), {}, false), true);
  });

  test("letters and digits outside Latin", () => {
    assert.equal(hasNonLatin("رمز۱۲۳"), true);
    assert.equal(hasNonLatin("Kavir۱۴۰۴"), true);
    assert.equal(hasNonLatin("Kavir1404"), false);
  });
});
