import { normalizePersian } from "./persian-text.ts";

/**
 * Persian names in the Latin letters people use for them in passwords («علی» → ali, «رضایی» →
 * rezaei, rezaie, rezayi). Persian script leaves out short vowels and doubled consonants, so a name
 * is not one spelling but a pattern: each letter has its usual Latin spellings, a short vowel
 * (a e i o u) may stand between any two letters, and a consonant may be doubled. Matching walks
 * the pattern over a set of positions (no backtracking), so a long name or password costs at most
 * letters × positions, words of over 16 letters are left out, and a budget caps one check's work.
 */
export type NamePattern = readonly (readonly string[])[];

/** Each Persian letter's usual Latin spellings. */
export const LATIN_LETTERS: Record<string, readonly string[]> = {
  "\u0622": ["a", "aa"], // آ
  "\u0627": ["a", "aa", "o", "e", ""], // ا (initial: the seat of any vowel, as in امید ایمان)
  "\u0628": ["b"],
  "\u067E": ["p"],
  "\u062A": ["t"],
  "\u062B": ["s", "th"],
  "\u062C": ["j"],
  "\u0686": ["ch"],
  "\u062D": ["h"],
  "\u062E": ["kh", "x"],
  "\u062F": ["d"],
  "\u0630": ["z"],
  "\u0631": ["r"],
  "\u0632": ["z"],
  "\u0698": ["zh", "j"],
  "\u0633": ["s"],
  "\u0634": ["sh"],
  "\u0635": ["s"],
  "\u0636": ["z"],
  "\u0637": ["t"],
  "\u0638": ["z"],
  "\u0639": ["", "a", "e", "o"], // ع: silent or a vowel (علی ali, سعید saeed)
  "\u063A": ["gh", "q"],
  "\u0641": ["f"],
  "\u0642": ["gh", "q", "g"],
  "\u06A9": ["k", "c"],
  "\u06AF": ["g"],
  "\u0644": ["l"],
  "\u0645": ["m"],
  "\u0646": ["n"],
  "\u0648": ["v", "o", "u", "oo", "ou", "w"],
  "\u0647": ["h", "e", "eh", "a"],
  "\u06CC": ["i", "y", "ee", "e", "ie", "ei", "ey"],
  "\u0621": [""], // ء
};
const SHORT_VOWELS = "aeiou";
// Longer words are not real names' words (the longest common ones have about ten letters); leaving
// them out bounds the work an attacker can ask for with a made-up name.
const MAX_WORD = 16;

/** The Latin pattern of each word of a Persian name (ZWNJ and spaces split words). */
export function namePatterns(name: string): NamePattern[] {
  return normalizePersian(name)
    .split(" ")
    .map((word) => [...word].flatMap((ch) => (LATIN_LETTERS[ch] ? [withDoubles(LATIN_LETTERS[ch])] : [])))
    .filter((pattern) => pattern.length >= 2 && pattern.length <= MAX_WORD);
}

function withDoubles(spellings: readonly string[]): readonly string[] {
  const doubled = spellings.filter((s) => s.length === 1 && !SHORT_VOWELS.includes(s)).map((s) => s + s);
  return [...spellings, ...doubled];
}

/** How many spellings a search may still try: shared by the searches of one password check. */
export type Budget = { left: number };

/** Every end of a match of `pattern` in `text` (lower-case Latin) starting at `start`. */
function matchEnds(pattern: NamePattern, text: string, start: number, budget: Budget): Set<number> {
  let positions = new Set([start]);
  pattern.forEach((spellings, i) => {
    const next = new Set<number>();
    budget.left -= positions.size * spellings.length;
    if (budget.left < 0) positions.clear();
    for (const pos of positions) {
      for (const s of spellings) if (text.startsWith(s, pos)) next.add(pos + s.length);
    }
    if (i < pattern.length - 1) {
      for (const pos of [...next]) if (SHORT_VOWELS.includes(text[pos] ?? "-")) next.add(pos + 1);
    }
    positions = next;
  });
  return positions;
}

/** The end of the longest match of `pattern` in `text` starting at `start`, or -1. */
export function matchNameAt(
  pattern: NamePattern,
  text: string,
  start: number,
  budget: Budget = { left: Number.POSITIVE_INFINITY },
): number {
  if (budget.left < 0) return -1;
  const end = Math.max(-1, ...matchEnds(pattern, text, start, budget));
  return end > start ? end : -1;
}

/** True when the whole of `latin` spells the Persian `name`: one of its words, or all of them joined. */
export function isSpellingOf(latin: string, name: string): boolean {
  const text = latin.toLowerCase();
  const patterns = namePatterns(name);
  if (patterns.length > 1) patterns.push(patterns.flat());
  const budget = { left: Number.POSITIVE_INFINITY };
  return text !== "" && patterns.some((p) => matchEnds(p, text, 0, budget).has(text.length));
}
