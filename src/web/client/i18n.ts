// The language of the interface: Persian by default, English by the switch; remembered per browser.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import { toLatinDigits, toPersianDigits } from "../../domain/digits.ts";
import { type Locale, t as translate } from "../../messages/index.ts";

export type I18n = {
  locale: Locale;
  /** The text of `ui.<key>` (or of a full key such as `errors.x`, `steps.x`). */
  t: (key: string, params?: Record<string, string | number>) => string;
  /** Digits of a value in the script of the interface. */
  num: (value: string | number) => string;
  setLocale: (locale: Locale) => void;
};

const FULL_KEY = /^(steps|fields|genders|passwordRules|errors|problems|tracking|registration)\./;

export function makeI18n(locale: Locale, setLocale: (l: Locale) => void): I18n {
  return {
    locale,
    t: (key, params) => translate(locale, FULL_KEY.test(key) ? key : `ui.${key}`, params),
    num: (value) => (locale === "fa" ? toPersianDigits(value) : toLatinDigits(String(value))),
    setLocale,
  };
}

export function initialLocale(): Locale {
  try {
    return localStorage.getItem("hoviat.locale") === "en" ? "en" : "fa";
  } catch {
    return "fa";
  }
}

export function applyLocale(locale: Locale) {
  document.documentElement.lang = locale;
  document.documentElement.dir = locale === "fa" ? "rtl" : "ltr";
  try {
    localStorage.setItem("hoviat.locale", locale);
  } catch {
    // Private windows may refuse storage; the language then lasts for this page only.
  }
}

export const I18nContext = createContext<I18n>(makeI18n("fa", () => {}));
export const useI18n = () => useContext(I18nContext);
