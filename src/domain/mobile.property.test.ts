// Property tests (fast-check) of mobile normalisation: every accepted spelling, one canonical form.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseMobile } from "./mobile.ts";

const PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
const ARABIC = "٠١٢٣٤٥٦٧٨٩";
const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });
/** The ten digits after the leading zero: 9xxxxxxxxx. */
const subscriber = digits(9).map((d) => `9${d.join("")}`);
const script = fc.constantFrom("latin", "persian", "arabic");
const separator = fc.constantFrom(
  "",
  "",
  "",
  " ",
  "-",
  "\u2010",
  "\u2013",
  "\u2212",
  ".",
  "\u200C",
  "\u200F",
);

function spell(d: string, how: string): string {
  return [...d]
    .map((c) => (how === "persian" ? PERSIAN[Number(c)] : how === "arabic" ? ARABIC[Number(c)] : c))
    .join("");
}

const accepted = fc
  .record({
    n: subscriber,
    prefix: fc.constantFrom("0", "", "+98", "0098", "98", "+98 (0) ", "+980", "00980", "(0)"),
    scripts: fc.array(script, { minLength: 14, maxLength: 14 }),
    gaps: fc.array(separator, { minLength: 14, maxLength: 14 }),
  })
  .map(({ n, prefix, scripts, gaps }) => {
    const text = [...(prefix + n)].map(
      (c, i) => (/\d/.test(c) ? spell(c, scripts[i] ?? "latin") : c) + (gaps[i] ?? ""),
    );
    return { n, text: ` ${text.join("")} ` };
  });

describe("mobile, properties", () => {
  test("every accepted spelling gives the one canonical form", () => {
    fc.assert(
      fc.property(accepted, ({ n, text }) =>
        assert.deepEqual(parseMobile(text), { ok: true, value: `0${n}` }, text),
      ),
    );
  });

  test("idempotent, and whatever is accepted is 09 and nine digits", () => {
    const noisy = fc.string({
      unit: fc.constantFrom(..."0123456789+-() ۰۹۸٩".split(""), "\u200C", "\u200F"),
      maxLength: 20,
    });
    fc.assert(
      fc.property(
        fc.oneof(
          noisy,
          accepted.map((a) => a.text),
        ),
        (s) => {
          const r = parseMobile(s);
          if (!r.ok) return;
          assert.match(r.value, /^09\d{9}$/);
          assert.deepEqual(parseMobile(r.value), r);
        },
      ),
    );
  });

  test("a number not of a mobile line (0 then not 9) is refused", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), digits(9), (first, rest) => {
        assert.equal(parseMobile(`0${first}${rest.join("")}`).ok, false);
      }),
    );
  });

  test("too few or too many digits are refused", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }).filter((n) => n !== 9),
        (n) => assert.equal(parseMobile(`09${"1".repeat(n)}`).ok, false),
      ),
    );
  });
});
