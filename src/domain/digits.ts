const PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
const ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩";

/** Persian (۰-۹) and Arabic-Indic (٠-٩) digits to 0-9; everything else unchanged. */
export function toLatinDigits(s: string): string {
  return s.replace(/[۰-۹٠-٩]/g, (ch) => {
    const persian = PERSIAN.indexOf(ch);
    return String(persian >= 0 ? persian : ARABIC_INDIC.indexOf(ch));
  });
}

/** Latin and Arabic-Indic digits to Persian digits (۰-۹). */
export function toPersianDigits(s: string | number): string {
  return toLatinDigits(String(s)).replace(/[0-9]/g, (d) => PERSIAN[Number(d)] ?? d);
}

// Bidi marks, soft hyphens and zero-width characters arrive invisibly when text is pasted from
// SMS or a right-to-left page. ZWNJ is kept: in Persian text it is part of the spelling.
const INVISIBLE = /[\u00AD\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2069\uFEFF]|\u200D/g;

export function removeInvisible(s: string): string {
  return s.replace(INVISIBLE, "");
}

/** For number-like fields: invisible marks and ZWNJ removed, digits converted, then `separators`. */
export function compactNumber(s: string, separators: RegExp): string {
  return toLatinDigits(removeInvisible(s).replace(/\u200C/g, "")).replace(separators, "");
}
