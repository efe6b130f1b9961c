import { toPersianDigits } from "../domain/digits.ts";
import en from "./en.json" with { type: "json" };
import fa from "./fa.json" with { type: "json" };

export type Locale = "fa" | "en";
export const LOCALES: readonly Locale[] = ["fa", "en"];

export const messages: Record<Locale, Record<string, string>> = { fa, en };

/**
 * The text of `key` with `{name}` placeholders filled in; numbers show in Persian digits in fa.
 * An unknown key comes back as itself, so a missing text is visible rather than blank.
 */
export function t(locale: Locale, key: string, params?: Record<string, string | number>): string {
  const template = Object.hasOwn(messages[locale], key) ? messages[locale][key] : undefined;
  if (template === undefined) return key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = params[name];
    if (value === undefined) return placeholder;
    return typeof value === "number" && locale === "fa" ? toPersianDigits(value) : String(value);
  });
}

export function hasMessage(key: string): boolean {
  return LOCALES.every((locale) => Object.hasOwn(messages[locale], key));
}
