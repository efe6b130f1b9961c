import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isValidJalaaliDate } from "jalaali-js";
import {
  formatJalaliDate,
  formatJalaliDateTime,
  gregorianToJalali,
  jalaliToGregorian,
  parseJalaliDate,
} from "./jalali-date.ts";

// 1404/09/04 in Tehran (UTC+3:30): 2025-11-25.
const today = new Date("2025-11-25T08:00:00Z");

describe("parseJalaliDate", () => {
  test("accepted spellings", () => {
    const expected = { ok: true, value: { jy: 1370, jm: 5, jd: 21 } };
    for (const s of [
      "1370/05/21",
      "1370/5/21",
      "1370-05-21",
      "۱۳۷۰/۵/۲۱",
      "1370.05.21",
      " 1370 / 05 / 21 ",
    ]) {
      assert.deepEqual(parseJalaliDate(s, today), expected, s);
    }
  });

  test("issue 14: every form a person types gives the one canonical date", () => {
    const expected = { ok: true, value: { jy: 1365, jm: 4, jd: 12 } };
    for (const s of [
      "13650412",
      "۱۳۶۵۰۴۱۲",
      "1365/4/12",
      "1365/04/12",
      "1365-04-12",
      "۱۳۶۵/۰۴/۱۲",
      "١٣٦٥/٠٤/١٢",
      "۱۳۶۵٫۰۴٫۱۲",
      "1365,04,12",
      "\u200f۱۳۶۵/۴/۱۲\u200e",
    ]) {
      const parsed = parseJalaliDate(s, today);
      assert.deepEqual(parsed, expected, s);
      assert.equal(formatJalaliDate(parsed.ok ? parsed.value : { jy: 0, jm: 0, jd: 0 }), "1365/04/12", s);
    }
    assert.deepEqual(parseJalaliDate("13580103", today), { ok: true, value: { jy: 1358, jm: 1, jd: 3 } });
  });

  test("issue 14: a Gregorian year (1900 on, first or last) is asked again in Shamsi, not converted", () => {
    for (const s of [
      "2000/01/01",
      "1990-05-12",
      "19860703",
      "۲۰۰۰/۰۱/۰۱",
      "1900/01/01",
      "01/01/2000",
      "12-5-1990",
    ]) {
      assert.deepEqual(parseJalaliDate(s, today), { ok: false, code: "birthDate.gregorian" }, s);
    }
    // 1899 is not Gregorian-looking: it is a Jalali year far in the future.
    assert.deepEqual(parseJalaliDate("1899/01/01", today), { ok: false, code: "birthDate.future" });
    // Day-first with a Jalali year is not a spelling we read.
    assert.deepEqual(parseJalaliDate("12/04/1365", today), { ok: false, code: "birthDate.format" });
  });

  test("eight digits only, never seven or nine; the compact form has no unpadded variant", () => {
    for (const s of ["1365412", "136504120", "1365 04 12 1", "1365/0412", "136504/12"]) {
      assert.deepEqual(parseJalaliDate(s, today), { ok: false, code: "birthDate.format" }, s);
    }
    // Spaces are dropped before reading, as everywhere else in the domain.
    assert.equal(parseJalaliDate("1365 04 12", today).ok, true);
    assert.deepEqual(parseJalaliDate("13651312", today), { ok: false, code: "birthDate.invalid" });
  });

  test("leap years: Esfand 30th exists only in leap years", () => {
    assert.equal(isValidJalaaliDate(1399, 12, 30), true);
    assert.equal(isValidJalaaliDate(1400, 12, 30), false);
    assert.equal(isValidJalaaliDate(1403, 12, 30), true);
    assert.equal(parseJalaliDate("1399/12/30", today).ok, true);
    assert.deepEqual(parseJalaliDate("1400/12/30", today), { ok: false, code: "birthDate.invalid" });
    assert.equal(parseJalaliDate("1403/12/30", today).ok, true);
  });

  test("impossible days and months, and years before 1300, are invalid", () => {
    for (const s of ["1370/07/31", "1370/13/01", "1370/00/10", "1370/05/00", "1299/12/29"]) {
      assert.deepEqual(parseJalaliDate(s, today), { ok: false, code: "birthDate.invalid" }, s);
    }
    assert.equal(parseJalaliDate("1370/06/31", today).ok, true);
    assert.equal(parseJalaliDate("1300/01/01", today).ok, true);
  });

  test("dates after today in Tehran are refused; today itself is accepted", () => {
    assert.equal(parseJalaliDate("1404/09/04", today).ok, true);
    assert.deepEqual(parseJalaliDate("1404/09/05", today), { ok: false, code: "birthDate.future" });
    assert.deepEqual(parseJalaliDate("1405/01/01", today), { ok: false, code: "birthDate.future" });
  });

  test("today is the calendar day in Tehran, not in UTC", () => {
    // 21:00 UTC on 2025-11-24 is already 00:30 on 2025-11-25 (1404/09/04) in Tehran.
    const lateUtc = new Date("2025-11-24T21:00:00Z");
    assert.equal(parseJalaliDate("1404/09/04", lateUtc).ok, true);
    const earlyUtc = new Date("2025-11-24T20:00:00Z");
    assert.deepEqual(parseJalaliDate("1404/09/04", earlyUtc), { ok: false, code: "birthDate.future" });
  });

  test("required and format", () => {
    assert.deepEqual(parseJalaliDate("", today), { ok: false, code: "birthDate.required" });
    assert.deepEqual(parseJalaliDate(undefined, today), { ok: false, code: "birthDate.required" });
    for (const s of ["70/05/21", "1370/05", "1370/05-21", "21/05/1370", "abc", "1370/005/21"]) {
      assert.deepEqual(parseJalaliDate(s, today), { ok: false, code: "birthDate.format" }, s);
    }
    assert.deepEqual(parseJalaliDate(13700521, today), { ok: false, code: "birthDate.format" });
  });
});

describe("conversions and display", () => {
  test("formatJalaliDate pads month and day", () => {
    assert.equal(formatJalaliDate({ jy: 1370, jm: 5, jd: 1 }), "1370/05/01");
  });

  test("jalaliToGregorian gives UTC midnight and round-trips", () => {
    const g = jalaliToGregorian({ jy: 1370, jm: 5, jd: 21 });
    assert.equal(g.toISOString(), "1991-08-12T00:00:00.000Z");
    assert.deepEqual(gregorianToJalali(g, "UTC"), { jy: 1370, jm: 5, jd: 21 });
    assert.deepEqual(gregorianToJalali(new Date("2024-03-20T12:00:00Z")), { jy: 1403, jm: 1, jd: 1 });
  });

  test("formatJalaliDateTime shows Tehran time, Persian digits in fa", () => {
    const at = new Date("2025-11-25T17:57:00Z");
    assert.equal(formatJalaliDateTime(at, "en"), "1404/09/04 21:27");
    assert.equal(formatJalaliDateTime(at, "fa"), "۱۴۰۴/۰۹/۰۴ ساعت ۲۱:۲۷");
    assert.equal(formatJalaliDateTime(new Date("2025-11-25T20:45:00Z"), "en"), "1404/09/05 00:15");
  });
});
