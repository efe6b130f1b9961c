// A user agent read with ua-parser-js 1.x (MIT; 2.x is AGPL): on the server only, so that the pages'
// bundle does not carry the library.
import { UAParser } from "ua-parser-js";
import { type Browser, type Device, type OperatingSystem, USER_AGENT_MAX } from "./device.ts";

// Checked in order: Edge, Opera and Samsung's browser are Chromium too, and say so.
const BROWSER_NAMES: [RegExp, Browser][] = [
  [/^Edge/i, "edge"],
  [/^Opera/i, "opera"],
  [/^Samsung/i, "samsung"],
  [/^Yandex/i, "yandex"],
  [/Firefox/i, "firefox"],
  [/Chrom/i, "chrome"],
  [/Safari/i, "safari"],
];
const SYSTEM_NAMES: [RegExp, OperatingSystem][] = [
  [/^Android/i, "android"],
  [/^iOS/i, "ios"],
  [/^Windows/i, "windows"],
  [/^Mac ?OS/i, "macos"],
  [/^Chrom(e|ium) ?OS/i, "chromeos"],
  [/^(Linux|Ubuntu|Debian|Fedora|Arch|Mint|Gentoo|Red ?Hat|CentOS|SUSE|openSUSE|Manjaro)/i, "linux"],
];

const pick = <T>(name: string | undefined, table: [RegExp, T][]): T | null =>
  (name ? table.find(([pattern]) => pattern.test(name))?.[1] : undefined) ?? null;

/** The device of a user agent; null when it tells neither the browser nor the operating system. */
export function deviceOf(userAgent: string | null | undefined): Device | null {
  if (!userAgent) return null;
  const parser = new UAParser(userAgent.slice(0, USER_AGENT_MAX));
  const device = {
    browser: pick(parser.getBrowser().name, BROWSER_NAMES),
    os: pick(parser.getOS().name, SYSTEM_NAMES),
  };
  return device.browser || device.os ? device : null;
}
