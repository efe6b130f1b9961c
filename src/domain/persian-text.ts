import { removeInvisible, toLatinDigits } from "./digits.ts";
import { failureFor, ok, type Result } from "./result.ts";

// Arabic keyboards and old Windows layouts type ي ى ك for ی ک: they look alike and mean the same.
const LETTER_FORMS: Record<string, string> = { "\u064A": "\u06CC", "\u0649": "\u06CC", "\u0643": "\u06A9" };
// For comparison only: hamza seats and variant letters that people write interchangeably in the
// same name (فائزه/فایزه, مؤمن/مومن, أحمد/احمد). آ stays: آرش and ارش are different names.
const FOLDED_FORMS: Record<string, string> = {
  ...LETTER_FORMS,
  "\u0629": "\u0647", // ة → ه
  "\u0623": "\u0627", // أ → ا
  "\u0625": "\u0627", // إ → ا
  "\u0671": "\u0627", // ٱ → ا
  "\u0624": "\u0648", // ؤ → و
  "\u0626": "\u06CC", // ئ → ی
  "\u06C0": "\u0647", // ۀ → ه
  "\u06BE": "\u0647", // ھ → ه
  "\u06D5": "\u0647", // ە → ه
};
const DIACRITICS = /[\u064B-\u065F\u0670\u0640]/g;
const ZWNJ = "\u200C";

function mapChars(s: string, map: Record<string, string>): string {
  return s.replace(/[\u0600-\u06FF]/g, (ch) => map[ch] ?? ch);
}

/**
 * The comparison form of Persian text: NFKC (presentation forms pasted from PDFs become letters),
 * letter variants folded, diacritics and tatweel removed, ZWNJ and zero-width spaces turned into a
 * space, whitespace collapsed, trimmed, digits Latin.
 */
export function normalizePersian(s: string): string {
  const text = mapChars(s.normalize("NFKC"), FOLDED_FORMS)
    .replace(DIACRITICS, "")
    .replace(/[\u200B\u200C\u200D]/g, " ");
  return toLatinDigits(removeInvisible(text)).replace(/\s+/g, " ").trim();
}

/** Names compare without spaces, so «عبدالله», «عبد الله» and «عبد‌الله» are equal. */
export function normalizeName(s: string): string {
  return normalizePersian(s).replace(/ /g, "");
}

/** Security answers compare case-blind and without any whitespace. Idempotent. */
export function normalizeAnswer(s: string): string {
  return normalizePersian(s).toLowerCase().replace(/\s/g, "");
}

/**
 * The display form kept for a name: ي/ك to ی/ک, diacritics and invisible marks removed, single
 * spaces, and ZWNJ kept (it is part of Persian spelling) but never doubled or beside a space.
 */
export function cleanPersianText(s: string): string {
  const text = mapChars(s.normalize("NFKC"), LETTER_FORMS)
    .replace(DIACRITICS, "")
    .replace(/\u200B/g, " ");
  return removeInvisible(text)
    .replace(/\s+/g, " ")
    .replace(/[\u200C ]*\u200C[\u200C ]*/g, (run) => (run.includes(" ") ? " " : ZWNJ))
    .replace(/^[\u200C ]+|[\u200C ]+$/g, "");
}

export type PersonNameField = "firstName" | "lastName";
export const PERSON_NAME_CODES = [
  "firstName.required",
  "firstName.format",
  "lastName.required",
  "lastName.format",
] as const satisfies readonly `${PersonNameField}.${"required" | "format"}`[];
const fail = failureFor(PERSON_NAME_CODES);

// Persian-script letters only: the civil registry holds names in Persian, and a name typed in
// Latin letters could never match it.
const PERSIAN_NAME = /^[\u0621-\u063A\u0641-\u064A\u067E\u0686\u0698\u06A9\u06AF\u06C0\u06CC\u200C ]+$/;
export const NAME_MIN_LENGTH = 2;
export const NAME_MAX_LENGTH = 50;

export function parsePersonName(input: unknown, field: PersonNameField): Result<string> {
  if (input === undefined || input === null) return fail(`${field}.required`);
  if (typeof input !== "string") return fail(`${field}.format`);
  const name = cleanPersianText(input);
  if (name === "") return fail(`${field}.required`);
  const length = [...name].length;
  if (!PERSIAN_NAME.test(name) || length < NAME_MIN_LENGTH || length > NAME_MAX_LENGTH) {
    return fail(`${field}.format`);
  }
  return ok(name);
}
