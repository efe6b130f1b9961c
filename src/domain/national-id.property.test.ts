// Property tests (fast-check) of the national ID's check digit, against a reference written here.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { toPersianDigits } from "./digits.ts";
import { parseNationalId } from "./national-id.ts";

const digit = fc.integer({ min: 0, max: 9 });
const nine = fc.array(digit, { minLength: 9, maxLength: 9 }).map((d) => d.join(""));

/** The reference: weights 10…2, remainder r of 11, check digit r when r < 2, else 11 − r. */
function remainder(firstNine: string): number {
  return [...firstNine].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0) % 11;
}
const checkDigit = (r: number) => (r < 2 ? r : 11 - r);
const withCheck = (firstNine: string) => firstNine + String(checkDigit(remainder(firstNine)));
const allSame = (id: string) => /^(\d)\1{9}$/.test(id);
const validId = nine.map(withCheck).filter((id) => !allSame(id));

describe("national ID, properties", () => {
  test("every generated ID is accepted, as itself", () => {
    fc.assert(fc.property(validId, (id) => assert.deepEqual(parseNationalId(id), { ok: true, value: id })));
  });

  test("Persian digits, spaces and dashes give the same ID", () => {
    const spelled = fc.tuple(
      validId,
      fc.array(fc.constantFrom(" ", "-", "‐", ""), { minLength: 10, maxLength: 10 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(spelled, ([id, gaps, persian]) => {
        const text = [...(persian ? toPersianDigits(id) : id)].map((d, i) => d + gaps[i]).join("");
        assert.deepEqual(parseNationalId(` ${text} `), { ok: true, value: id });
      }),
    );
  });

  test("a changed check digit is always refused", () => {
    fc.assert(
      fc.property(validId, fc.integer({ min: 1, max: 9 }), (id, delta) => {
        const changed = id.slice(0, 9) + String((Number(id[9]) + delta) % 10);
        assert.equal(parseNationalId(changed).ok, false, changed);
      }),
    );
  });

  // The algorithm's one blind spot: remainders 1 and 10 both give check digit 1, so a change of one
  // of the first nine digits that moves the remainder between them keeps the ID valid. Every other
  // single-digit change is caught (11 is prime, so the remainder always moves).
  test("a changed digit among the first nine is refused, unless the remainder moves between 1 and 10", () => {
    fc.assert(
      fc.property(
        validId,
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 1, max: 9 }),
        (id, at, delta) => {
          const d = String((Number(id[at]) + delta) % 10);
          const changed = id.slice(0, at) + d + id.slice(at + 1);
          const blindSpot = new Set([remainder(id.slice(0, 9)), remainder(changed.slice(0, 9))]);
          const expected = blindSpot.has(1) && blindSpot.has(10) && !allSame(changed);
          assert.equal(parseNationalId(changed).ok, expected, changed);
        },
      ),
    );
  });

  test("the blind spot, pinned: 0000000051 and 0000000061 differ in one digit and are both valid", () => {
    assert.equal(remainder("000000005"), 10);
    assert.equal(remainder("000000006"), 1);
    assert.deepEqual(parseNationalId("0000000051"), { ok: true, value: "0000000051" });
    assert.deepEqual(parseNationalId("0000000061"), { ok: true, value: "0000000061" });
    // The first counterexample fast-check gave to "every single-digit change is refused".
    assert.ok(parseNationalId("3403271031").ok && parseNationalId("3503271031").ok);
  });

  test("parsing is idempotent and anything of other lengths is refused", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 14 }), (s) => {
        const r = parseNationalId(s);
        if (r.ok) assert.deepEqual(parseNationalId(r.value), r);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(digit, { minLength: 1, maxLength: 14 }).filter((d) => d.length !== 10),
        (d) => assert.equal(parseNationalId(d.join("")).ok, false),
      ),
    );
  });
});
