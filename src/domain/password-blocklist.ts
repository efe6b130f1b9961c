import { toLatinDigits } from "./digits.ts";
import { jalaliToGregorian } from "./jalali-date.ts";
import { parseMobile } from "./mobile.ts";
import { matchNameAt, type NamePattern, namePatterns } from "./transliteration.ts";

/**
 * R-PWD beyond the guide (NIST SP 800-63B-4 §3.1.1.2: refuse common and context-specific values).
 * One rule, one message, two halves:
 *
 * Common. A password is reduced to keys looked up in the blocklist (src/domain/common-passwords.ts):
 * lower case; digits at both ends dropped (Password1, 1365Tehran, 2wsx… keep their core), though the
 * ones next to the core may be leetspeak too (Kimi4); leetspeak inside read as letters (0→o 1→i or l
 * 3→e 4→a 5→s 7→t 8→b). A core must keep four characters; the whole password is a key too, so
 * "Abc12345" is matched whole while "Abc" does not bar every "Abc…". The blocklist holds one key per
 * listed password: its core, or the whole of it when the core is shorter.
 *
 * Personal. The pieces of the person's own data are found in the password: each word of the Persian
 * names in its Latin spellings (transliteration.ts; from the start, a capital, a digit or the end of
 * another piece, so «علی» is found in "AliReza" but not in "Quality"), the birth date in Jalali and
 * Gregorian (1365, 13650412, 650412, 12041365, 0412, 1986, 19860703, 03071986 …), any six digits in a
 * row of the mobile number and its last four, a staff member's username (the national ID has a rule
 * of its own). If what is
 * left, without digits at its ends, is under four characters or is itself common, the password is
 * made of the person's data: "Ali13650412", "Rezaei1986", "AliDragon1" are refused, "Quality9x" and
 * "Rezaei2026Bxqf" are not.
 */
export type PersonalData = {
  nationalId?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  /** Other Persian names of the person (a staff member's full name). */
  names?: readonly string[] | undefined;
  /** Jalali "YYYY/MM/DD", either digits. */
  birthDate?: string | undefined;
  mobile?: string | undefined;
  /** A staff member's Latin username. */
  username?: string | undefined;
};

/** The keys of the common passwords; see `blocklistKey`. */
export type Blocklist = ReadonlySet<string>;

const LEET: Record<string, string> = { "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b" };
const MIN_CORE = 4;
const MIN_OWN = 4;

function readLeet(s: string, one: "i" | "l"): string {
  return s.replace(/[0134578]/g, (d) => (d === "1" ? one : (LEET[d] ?? d)));
}

function key(word: string): string {
  const lower = word.toLowerCase();
  const core = lower.replace(/^\d+|\d+$/g, "");
  return readLeet(core.length >= MIN_CORE ? core : lower, "i");
}

/**
 * The blocklist key of a listed password, or undefined when no password that keeps the other rules
 * (letters, eight characters) could have that key.
 */
export function blocklistKey(word: string): string | undefined {
  if (!/[a-z]/i.test(word)) return undefined;
  const k = key(word);
  const core = word.toLowerCase().replace(/^\d+|\d+$/g, "");
  return core.length >= MIN_CORE || k.length >= 8 ? k : undefined;
}

/** The blocklist from its listed passwords, and back to the text shipped to the browser. */
export function buildBlocklist(words: Iterable<string>): Blocklist {
  const keys = new Set<string>();
  for (const w of words) {
    const k = blocklistKey(w);
    if (k !== undefined) keys.add(k);
  }
  return keys;
}

// Front-coded, one key a line: a character saying how many leading characters the key shares with
// the one before ("0" + n), then the rest. Sorted keys share a lot: 164 KB instead of 276 KB, and
// 79 KB instead of 107 KB gzipped.
export function blocklistToText(list: Blocklist): string {
  let previous = "";
  return [...list]
    .sort()
    .map((k) => {
      let shared = 0;
      while (shared < 40 && shared < k.length && k[shared] === previous[shared]) shared++;
      previous = k;
      return String.fromCharCode(48 + shared) + k.slice(shared);
    })
    .join("\n");
}

export function blocklistFromText(text: string): Blocklist {
  const keys = new Set<string>();
  let previous = "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    previous = previous.slice(0, line.charCodeAt(0) - 48) + line.slice(1);
    keys.add(previous);
  }
  return keys;
}

/**
 * The password's keys: the whole of it, and its core with its end digits dropped, where the digits
 * next to the core may also be leetspeak ("Kimi4" is kimia, "Dragon5" dragons): up to four each side.
 */
function passwordKeys(password: string): string[] {
  const lower = password.toLowerCase();
  const [, lead = "", middle = "", trail = ""] = /^(\d*)(.*?)(\d*)$/.exec(lower) ?? [];
  const keys: string[] = [];
  for (const one of ["i", "l"] as const) {
    keys.push(readLeet(lower, one));
    for (let a = 0; a <= Math.min(4, lead.length); a++)
      for (let b = 0; b <= Math.min(4, trail.length); b++) {
        const core = lead.slice(lead.length - a) + middle + trail.slice(0, b);
        if (middle !== "" && core.length >= MIN_CORE) keys.push(readLeet(core, one));
      }
  }
  return keys;
}

export function isCommonPassword(password: string, list: Blocklist): boolean {
  return passwordKeys(password).some((k) => list.has(k));
}

/** True when the password is common (with a blocklist) or made of the person's own data. */
export function isCommonOrPersonal(password: string, person: PersonalData, list?: Blocklist): boolean {
  if (list && isCommonPassword(password, list)) return true;
  // The national ID has its own rule and message: it is taken out first rather than counted twice.
  const id = toLatinDigits(person.nationalId ?? "").replace(/\D/g, "");
  const own = id.length === 10 ? toLatinDigits(password).replaceAll(id, "") : password;
  const rest = withoutPersonalData(own, person);
  if (rest === own) return false;
  const core = rest.replace(/^\d+|\d+$/g, "");
  return core.length < MIN_OWN || (list !== undefined && isCommonPassword(rest, list));
}

/** The password with every piece of the person's data taken out (unchanged when none is in it). */
export function withoutPersonalData(password: string, person: PersonalData): string {
  const text = password.toLowerCase();
  const covered: boolean[] = Array.from(text, () => false);
  const cover = (from: number, to: number) => {
    for (let i = from; i < to; i++) covered[i] = true;
  };
  for (const token of literalTokens(person)) {
    for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1))
      cover(at, at + token.length);
  }
  const patterns = [person.firstName, person.lastName, ...(person.names ?? [])].flatMap((name) =>
    name ? namePatterns(name) : [],
  );
  if (patterns.length > 0) coverNames(password, patterns, covered);
  if (!covered.includes(true)) return password;
  return [...text].filter((_, i) => !covered[i]).join("");
}

function coverNames(password: string, patterns: NamePattern[], covered: boolean[]) {
  const lower = password.toLowerCase();
  // Real names against a real password take a few thousand steps; a made-up name built to be slow
  // stops here (about a millisecond) and is simply not found.
  const budget = { left: 20_000 };
  for (const one of ["i", "l"] as const) {
    const text = readLeet(lower, one);
    const ends = new Set<number>();
    for (let start = 0; start < text.length; start++) {
      const prev = password[start - 1] ?? "";
      const boundary =
        start === 0 || /[A-Z]/.test(password[start] ?? "") || !/[a-z]/i.test(prev) || ends.has(start);
      if (!boundary) continue;
      let end = -1;
      for (const p of patterns) end = Math.max(end, matchNameAt(p, text, start, budget));
      if (end - start < 3) continue;
      for (let i = start; i < end; i++) covered[i] = true;
      ends.add(end);
    }
  }
}

function literalTokens(person: PersonalData): string[] {
  const tokens = new Set<string>();
  const digits = (s: string | undefined) => toLatinDigits(s ?? "").replace(/\D/g, "");
  const parsed = parseMobile(person.mobile);
  const mobile = parsed.ok ? parsed.value : digits(person.mobile);
  if (mobile.length >= 10) {
    for (let len = 6; len <= mobile.length; len++)
      for (let i = 0; i + len <= mobile.length; i++) tokens.add(mobile.slice(i, i + len));
    tokens.add(mobile.slice(-4));
  }
  for (const t of dateTokens(person.birthDate)) tokens.add(t);
  for (const part of (person.username ?? "")
    .toLowerCase()
    .split(/[^a-z0-9]+|(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)/)) {
    if (part.length >= 3) tokens.add(part);
  }
  return [...tokens].sort((a, b) => b.length - a.length);
}

/** The ways a birth date is written in digits, Jalali and Gregorian, four digits or more. */
export function dateTokens(birthDate: string | undefined): string[] {
  const match = /^(\d{4})\D(\d{1,2})\D(\d{1,2})$/.exec(toLatinDigits(birthDate ?? "").trim());
  if (!match) return [];
  const jalali = { jy: Number(match[1]), jm: Number(match[2]), jd: Number(match[3]) };
  const g = jalaliToGregorian(jalali);
  const days = [
    [jalali.jy, jalali.jm, jalali.jd],
    [g.getUTCFullYear(), g.getUTCMonth() + 1, g.getUTCDate()],
  ];
  const tokens = new Set<string>();
  for (const [year, month, day] of days) {
    if (!year || !month || !day || Number.isNaN(year)) continue;
    const Y = String(year);
    const y = Y.slice(-2);
    const M = String(month).padStart(2, "0");
    const D = String(day).padStart(2, "0");
    const m = String(month);
    const d = String(day);
    for (const t of [
      Y + M + D,
      y + M + D,
      D + M + Y,
      D + M + y,
      M + D + Y,
      M + D + y,
      Y + m + d,
      y + m + d,
      d + m + Y,
      m + d + Y,
      Y,
      M + D,
      D + M,
      Y + M,
      M + Y,
    ])
      if (t.length >= 4) tokens.add(t);
  }
  return [...tokens];
}
