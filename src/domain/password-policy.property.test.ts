// Property tests (fast-check) of R-PWD against a reference written here from the guide's words,
// independently of password-policy.ts, and of the blocklist's normalisation.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { commonPasswords, PERSIAN_COMMON_PASSWORDS } from "./common-passwords.ts";
import { isCommonOrPersonal, isCommonPassword } from "./password-blocklist.ts";
import { checkPassword, validatePasswordPair } from "./password-policy.ts";

/** The guide's rules, one by one, by character codes rather than regular expressions. */
function reference(password: string, nationalId?: string): string[] {
  const codes = [...password].map((c) => c.codePointAt(0) ?? 0);
  const inRange = (c: number, lo: string, hi: string) => c >= lo.charCodeAt(0) && c <= hi.charCodeAt(0);
  const latinDigits = (s: string) =>
    [...s].map((c) => {
      const p = "۰۱۲۳۴۵۶۷۸۹".indexOf(c);
      const a = "٠١٢٣٤٥٦٧٨٩".indexOf(c);
      return p >= 0 ? String(p) : a >= 0 ? String(a) : c;
    });
  const id =
    nationalId === undefined
      ? ""
      : latinDigits(nationalId)
          .filter((c) => c >= "0" && c <= "9")
          .join("");
  const broken: string[] = [];
  if (!codes.every((c) => inRange(c, "a", "z") || inRange(c, "A", "Z") || inRange(c, "0", "9")))
    broken.push("password.charset");
  if (codes.length < 8) broken.push("password.length");
  if (!codes.some((c) => inRange(c, "A", "Z"))) broken.push("password.upper");
  if (!codes.some((c) => inRange(c, "a", "z"))) broken.push("password.lower");
  if (!codes.some((c) => inRange(c, "0", "9"))) broken.push("password.digit");
  if (id.length === 10 && latinDigits(password).join("").includes(id)) broken.push("password.nationalId");
  return broken;
}

const UNITS = [..."aAzZmM09 5_-@.", "۰", "۵", "٩", "ب", "é", "😀", "\u200C", "İ", "ß"];
const password = fc.oneof(
  fc.string({ unit: fc.constantFrom(...UNITS), maxLength: 16 }),
  fc.stringMatching(/^[A-Za-z0-9]{0,14}$/),
  fc.string({ maxLength: 12 }),
);
const nationalId = fc.stringMatching(/^\d{10}$/);

describe("password policy, properties", () => {
  test("checkPassword agrees with the reference, with and without a national ID", () => {
    fc.assert(fc.property(password, (p) => assert.deepEqual(checkPassword(p), reference(p))));
    fc.assert(
      fc.property(password, nationalId, fc.boolean(), fc.nat(16), (p, id, embed, at) => {
        const pw = embed ? p.slice(0, at) + id + p.slice(at) : p;
        assert.deepEqual(checkPassword(pw, { nationalId: id }), reference(pw, id));
      }),
    );
  });

  test("validatePasswordPair: the rules' errors on the password, then the confirmation's", () => {
    fc.assert(
      fc.property(password, fc.oneof(password, fc.constant(undefined)), (p, c) => {
        const confirmation = c ?? p;
        const errors = validatePasswordPair(p, confirmation);
        const expected = [
          ...(p === "" ? ["password:password.required"] : reference(p).map((code) => `password:${code}`)),
          ...(confirmation === ""
            ? ["passwordConfirmation:passwordConfirmation.required"]
            : p !== "" && confirmation !== p
              ? ["passwordConfirmation:passwordConfirmation.mismatch"]
              : []),
        ];
        assert.deepEqual(
          errors.map((e) => `${e.field}:${e.code}`),
          expected,
        );
      }),
    );
  });

  test("the blocklist ignores case, digits at the ends and leetspeak", () => {
    const list = commonPasswords();
    const listed = fc.constantFrom(
      ...PERSIAN_COMMON_PASSWORDS.filter((w) => w.length >= 4),
      "password",
      "dragon",
      "sunshine",
    );
    const LEET: Record<string, string> = { o: "0", i: "1", l: "1", e: "3", a: "4", s: "5", t: "7", b: "8" };
    fc.assert(
      fc.property(
        listed,
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        fc.stringMatching(/^\d{0,4}$/),
        fc.stringMatching(/^\d{0,4}$/),
        (word, flips, before, after) => {
          const dressed = [...word]
            .map((ch, i) =>
              flips[i] ? ch.toUpperCase() : i % 3 === 1 && flips[i + 1] && LEET[ch] ? LEET[ch] : ch,
            )
            .join("");
          assert.ok(isCommonPassword(before + dressed + after, list), before + dressed + after);
        },
      ),
    );
  });

  test("without personal data nothing is personal; the common half is the same for every person", () => {
    const list = commonPasswords();
    const person = fc.record({
      firstName: fc.constantFrom("علی", "زهرا", "محمدرضا", "سارا"),
      lastName: fc.constantFrom("رضایی", "کریمی", "حسینی"),
      birthDate: fc.constantFrom("1365/04/12", "1370/05/21", "1358/11/03"),
      mobile: fc.constantFrom("09121234567", "09351234567"),
    });
    fc.assert(
      fc.property(password, person, (p, who) => {
        assert.equal(isCommonOrPersonal(p, {}), false);
        if (isCommonPassword(p, list)) assert.ok(isCommonOrPersonal(p, who, list));
      }),
    );
  });
});
