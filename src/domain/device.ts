// The device of a session or a security event as a person names it: «کروم در اندروید». The server
// reads it from the user agent (user-agent.ts); the pages get the keys and word them in their language.

export const BROWSERS = ["chrome", "safari", "firefox", "edge", "opera", "samsung", "yandex"] as const;
export const SYSTEMS = ["android", "ios", "windows", "macos", "linux", "chromeos"] as const;
export type Browser = (typeof BROWSERS)[number];
export type OperatingSystem = (typeof SYSTEMS)[number];
/** What a user agent tells of the device; a null part is one it does not tell recognisably. */
export type Device = { browser: Browser | null; os: OperatingSystem | null };

/** A user agent is kept no longer than this with an event or a session. */
export const USER_AGENT_MAX = 256;

/**
 * The device in words through `t` (the messages' `account.device*` and `device.*` keys):
 * «کروم در اندروید», «مرورگری در ویندوز», «سافاری», «دستگاه نامشخص».
 */
export function deviceName(
  device: Device | null,
  t: (key: string, params?: Record<string, string>) => string,
) {
  const browser = device?.browser ? t(`device.browser.${device.browser}`) : null;
  const os = device?.os ? t(`device.os.${device.os}`) : null;
  if (browser && os) return t("account.device", { browser, os });
  if (os) return t("account.deviceOs", { os });
  return browser ?? t("account.unknownDevice");
}
