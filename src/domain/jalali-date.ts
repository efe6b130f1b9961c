import { isValidJalaaliDate, toGregorian, toJalaali } from "jalaali-js";
import { compactNumber, toPersianDigits } from "./digits.ts";
import { failureFor, ok, type Result } from "./result.ts";

export type JalaliDate = { jy: number; jm: number; jd: number };

export const BIRTH_DATE_CODES = [
  "birthDate.required",
  "birthDate.format",
  "birthDate.invalid",
  "birthDate.future",
  "birthDate.gregorian",
] as const;
const fail = failureFor(BIRTH_DATE_CODES);

export const MIN_BIRTH_YEAR = 1300;
/** A year from here on is taken for a Gregorian one: no Jalali birth year reaches it before 1900 AP. */
export const GREGORIAN_FROM = 1900;
export const DEFAULT_TIME_ZONE = "Asia/Tehran";

/**
 * "1370/05/21", "1370/5/21", "1370-05-21", "1370.05.21", "13700521" (Persian or Latin digits). The
 * eight-digit form needs no separator, so a numeric keypad without "/" is enough. The date must exist
 * in the Jalali calendar, be from 1300 on, and not be after `today` as a calendar day in Tehran.
 * A Gregorian year (1900 or later, first or last) is refused with its own message, not converted:
 * the registry compares the Jalali date printed on the birth certificate, so the person is asked to
 * copy that date rather than trust a conversion of a date taken from another document.
 */
export function parseJalaliDate(input: unknown, today: Date): Result<JalaliDate> {
  if (input === undefined || input === null) return fail("birthDate.required");
  if (typeof input !== "string") return fail("birthDate.format");
  // "٫" and "," are what a decimal keypad offers in place of "/" in Persian and some other locales.
  const text = compactNumber(input, /\s+/g).replace(/[٫,]/g, "/");
  if (text === "") return fail("birthDate.required");
  const match = /^(\d{4})([/\-.])(\d{1,2})\2(\d{1,2})$/.exec(text) ?? /^(\d{4})()(\d{2})(\d{2})$/.exec(text);
  if (!match) {
    const yearLast = /^\d{1,2}([/\-.])\d{1,2}\1(\d{4})$/.exec(text);
    if (yearLast && Number(yearLast[2]) >= GREGORIAN_FROM) return fail("birthDate.gregorian");
    return fail("birthDate.format");
  }
  const date = { jy: Number(match[1]), jm: Number(match[3]), jd: Number(match[4]) };
  if (date.jy >= GREGORIAN_FROM) return fail("birthDate.gregorian");
  if (date.jy < MIN_BIRTH_YEAR || !isValidJalaaliDate(date.jy, date.jm, date.jd)) {
    return fail("birthDate.invalid");
  }
  if (compareJalali(date, gregorianToJalali(today)) > 0) return fail("birthDate.future");
  return ok(date);
}

export function compareJalali(a: JalaliDate, b: JalaliDate): number {
  return a.jy - b.jy || a.jm - b.jm || a.jd - b.jd;
}

/** { jy: 1370, jm: 5, jd: 21 } → "1370/05/21" (Latin digits: the stored form). */
export function formatJalaliDate(d: JalaliDate): string {
  return `${d.jy}/${pad2(d.jm)}/${pad2(d.jd)}`;
}

/** The Gregorian day of a Jalali date, as a Date at UTC midnight. */
export function jalaliToGregorian(d: JalaliDate): Date {
  const g = toGregorian(d.jy, d.jm, d.jd);
  return new Date(Date.UTC(g.gy, g.gm - 1, g.gd));
}

/** The Jalali calendar day of an instant as seen in `timeZone` (Tehran by default). */
export function gregorianToJalali(date: Date, timeZone = DEFAULT_TIME_ZONE): JalaliDate {
  const p = zonedParts(date, timeZone);
  return toJalaali(p.year, p.month, p.day);
}

/**
 * For display: "1405/09/04 21:27" in en, "۱۴۰۵/۰۹/۰۴ ساعت ۲۱:۲۷" in fa. Built from jalaali-js
 * rather than Intl's Persian calendar, whose data differs between browsers.
 */
export function formatJalaliDateTime(date: Date, locale: "fa" | "en", timeZone = DEFAULT_TIME_ZONE): string {
  const p = zonedParts(date, timeZone);
  const day = formatJalaliDate(toJalaali(p.year, p.month, p.day));
  const time = `${pad2(p.hour)}:${pad2(p.minute)}`;
  return locale === "fa" ? toPersianDigits(`${day} ساعت ${time}`) : `${day} ${time}`;
}

type ZonedParts = { year: number; month: number; day: number; hour: number; minute: number };
const formatters = new Map<string, Intl.DateTimeFormat>();

function zonedParts(date: Date, timeZone: string): ZonedParts {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(date)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? Number.NaN,
    month: parts.month ?? Number.NaN,
    day: parts.day ?? Number.NaN,
    hour: parts.hour ?? Number.NaN,
    minute: parts.minute ?? Number.NaN,
  };
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}
