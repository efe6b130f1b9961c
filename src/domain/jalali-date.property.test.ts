// Property tests (fast-check) of the Jalali calendar: round trips over the whole supported range of
// birth dates (1300/01/01, 1921-03-21, up to the end of 1500), the parser and the formatter.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isValidJalaaliDate } from "jalaali-js";
import { toPersianDigits } from "./digits.ts";
import {
  compareJalali,
  formatJalaliDate,
  gregorianToJalali,
  type JalaliDate,
  jalaliToGregorian,
  parseJalaliDate,
} from "./jalali-date.ts";

const DAY = 86_400_000;
const FIRST = Date.UTC(1921, 2, 21); // 1300/01/01
const LAST = Date.UTC(2122, 2, 20); // 1500/12/29 or 30
const FAR_FUTURE = new Date(Date.UTC(2200, 0, 1));
const day = fc
  .integer({ min: 0, max: Math.round((LAST - FIRST) / DAY) })
  .map((n) => new Date(FIRST + n * DAY));
const jalali: fc.Arbitrary<JalaliDate> = fc
  .record({
    jy: fc.integer({ min: 1300, max: 1500 }),
    jm: fc.integer({ min: 1, max: 12 }),
    jd: fc.integer({ min: 1, max: 31 }),
  })
  .filter((d) => isValidJalaaliDate(d.jy, d.jm, d.jd))
  .map(({ jy, jm, jd }) => ({ jy, jm, jd }));

describe("Jalali dates, properties", () => {
  test("Gregorian → Jalali → Gregorian is the same day, in UTC and in Tehran", () => {
    fc.assert(
      fc.property(day, (g) => {
        assert.equal(jalaliToGregorian(gregorianToJalali(g, "UTC")).getTime(), g.getTime());
        // UTC midnight is 03:30 (or 04:30) in Tehran: the same calendar day.
        assert.equal(jalaliToGregorian(gregorianToJalali(g)).getTime(), g.getTime());
      }),
    );
  });

  test("Jalali → Gregorian → Jalali is the same date", () => {
    fc.assert(
      fc.property(jalali, (d) => assert.deepEqual(gregorianToJalali(jalaliToGregorian(d), "UTC"), d)),
    );
  });

  test("the next Gregorian day is the next Jalali day", () => {
    fc.assert(
      fc.property(day, (g) => {
        const a = gregorianToJalali(g, "UTC");
        const b = gregorianToJalali(new Date(g.getTime() + DAY), "UTC");
        assert.ok(compareJalali(a, b) < 0);
        const next =
          b.jd === a.jd + 1 && b.jm === a.jm && b.jy === a.jy
            ? true
            : b.jd === 1 &&
              (b.jm === a.jm + 1 ? b.jy === a.jy : b.jm === 1 && a.jm === 12 && b.jy === a.jy + 1);
        assert.ok(next, `${formatJalaliDate(a)} → ${formatJalaliDate(b)}`);
      }),
    );
  });

  test("parse ∘ format is the identity, whatever digits and separator; format ∘ parse is canonical", () => {
    const sep = fc.constantFrom("/", "-", ".");
    fc.assert(
      fc.property(jalali, sep, fc.boolean(), fc.boolean(), (d, s, persian, unpadded) => {
        const text = unpadded ? `${d.jy}${s}${d.jm}${s}${d.jd}` : formatJalaliDate(d).replaceAll("/", s);
        const typed = persian ? toPersianDigits(text) : text;
        const parsed = parseJalaliDate(typed, FAR_FUTURE);
        assert.deepEqual(parsed, { ok: true, value: d });
        assert.equal(formatJalaliDate(parsed.ok ? parsed.value : d), formatJalaliDate(d));
      }),
    );
  });

  test("no date after today is accepted, every date up to today is", () => {
    fc.assert(
      fc.property(day, day, (birth, today) => {
        const text = formatJalaliDate(gregorianToJalali(birth, "UTC"));
        const result = parseJalaliDate(text, new Date(today.getTime() + 12 * 3_600_000));
        assert.equal(result.ok, birth.getTime() <= today.getTime(), `${text} on ${today.toISOString()}`);
      }),
    );
  });
});
