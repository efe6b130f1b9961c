import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { t } from "../messages/index.ts";
import { BROWSERS, type Device, deviceName, SYSTEMS } from "./device.ts";
import { deviceOf } from "./user-agent.ts";

const UA = {
  androidChrome:
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  iphoneSafari:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  windowsFirefox: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0",
  macSafari:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  windowsEdge:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
  iphoneChrome:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1",
  samsung:
    "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
  ubuntuFirefox: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
  headlessChrome:
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
  chromebook:
    "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  operaWindows:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
};

const fa = (device: Device | null) => deviceName(device, (key, params) => t("fa", `ui.${key}`, params));
const en = (device: Device | null) => deviceName(device, (key, params) => t("en", `ui.${key}`, params));

describe("the device of a user agent", () => {
  test("browser and operating system, in Persian first", () => {
    const named = Object.fromEntries(Object.entries(UA).map(([k, ua]) => [k, fa(deviceOf(ua))]));
    assert.deepEqual(named, {
      androidChrome: "کروم در اندروید",
      iphoneSafari: "سافاری در آی‌او‌اس",
      windowsFirefox: "فایرفاکس در ویندوز",
      macSafari: "سافاری در مک‌او‌اس",
      windowsEdge: "اج در ویندوز",
      iphoneChrome: "کروم در آی‌او‌اس",
      samsung: "مرورگر سامسونگ در اندروید",
      ubuntuFirefox: "فایرفاکس در لینوکس",
      headlessChrome: "کروم در لینوکس",
      chromebook: "کروم در کروم‌او‌اس",
      operaWindows: "اپرا در ویندوز",
    });
    assert.equal(en(deviceOf(UA.androidChrome)), "Chrome on Android");
    assert.equal(en(deviceOf(UA.iphoneSafari)), "Safari on iOS");
  });

  test("what it does not tell is not guessed", () => {
    assert.equal(deviceOf(null), null);
    assert.equal(deviceOf(""), null);
    assert.equal(deviceOf("curl/8.5.0"), null);
    assert.equal(fa(deviceOf("curl/8.5.0")), "دستگاه نامشخص");
    assert.equal(fa({ browser: null, os: "windows" }), "مرورگری در ویندوز");
    assert.equal(fa({ browser: "firefox", os: null }), "فایرفاکس");
  });

  test("a long user agent is read only as far as the stored length", () => {
    assert.deepEqual(deviceOf(`${UA.windowsFirefox} ${"x".repeat(10_000)}`), {
      browser: "firefox",
      os: "windows",
    });
  });

  test("every browser and system has its name in both languages", () => {
    for (const locale of ["fa", "en"] as const) {
      for (const b of BROWSERS)
        assert.notEqual(t(locale, `ui.device.browser.${b}`), `ui.device.browser.${b}`);
      for (const s of SYSTEMS) assert.notEqual(t(locale, `ui.device.os.${s}`), `ui.device.os.${s}`);
    }
  });
});
