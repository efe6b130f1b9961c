// The account pages against the real API, in Persian: sessions (list, this device marked, end
// another), change password (then sign in with it), change email and mobile by the code read from
// the outbox (an owned number is applied, another one waits for a branch), change security
// questions, and the error pattern (summary + inline, 429 with the wait, 401 → login). axe on each.
//
// The account is made with a mobile the ownership simulator does not tie to Ali (09120000009), so
// that changing to his owned 09121234567 is `applied` without touching fixtures/registry.demo.json.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { toPersianDigits as fa } from "../../src/domain/digits.ts";
import { t } from "../../src/messages/index.ts";
import { createAccount, latestCode, loginCookie } from "../helpers/accounts.ts";
import { ali } from "../helpers/people.ts";
import { eventually } from "../helpers/system.ts";
import {
  assertAccessible,
  assertFitsWidth,
  completeSignIn,
  type Harness,
  outboxBefore,
  skipBrowser,
  startHarness,
} from "./browser.ts";

const NEW_PASSWORD = "Tazeh2026Ramz";
const ui = (key: string, params?: Record<string, string | number>) => t("fa", `ui.${key}`, params);

describe("account pages", { skip: skipBrowser }, () => {
  let h: Harness;
  let page: Page;
  let password = ali.password;
  const api = (url: string, cookie: string) => h.sys.app.inject({ method: "GET", url, headers: { cookie } });
  const signIn = async () => {
    await page.goto(`${h.base}/login`);
    await page.fill("#f-nationalId", fa(ali.nationalId));
    await page.fill("#f-password", password);
    const before = await outboxBefore(h.sys, ali.nationalId);
    await page.click("button:has-text('ورود')");
    await completeSignIn(page, h.sys, ali.nationalId, before);
  };
  const open = async (card: string) => {
    await page.goto(`${h.base}/account`);
    await page.click(`#account-changes a:has-text('${card}')`);
    await page.waitForSelector(`h1:has-text('${card}')`);
  };
  const summary = () => page.locator(".error-summary").innerText();

  before(async () => {
    h = await startHarness();
    await createAccount(h.sys, { ...ali, mobile: "09120000009" });
    page = await h.newPage({ width: 1280, height: 900 });
  });
  after(async () => h?.close());

  test("lists the sessions with this device marked and ends another one; the security events say so", async () => {
    const laptop = await loginCookie(h.sys, ali);
    // Two wrong passwords before: one summarised event (written just after each answer).
    for (const guess of ["Wrong1Guess2026", "Wrong2Guess2026"]) {
      const payload = { nationalId: ali.nationalId, password: guess };
      assert.equal((await h.sys.app.inject({ method: "POST", url: "/api/login", payload })).statusCode, 401);
    }
    await eventually(async () => {
      const row = await h.sys.db.selectFrom("sign_in_failures").select("count").executeTakeFirst();
      return row?.count === 2 ? true : undefined;
    });
    await signIn();
    const sessions = page.locator("#sessions li.session");
    await page.waitForSelector("#sessions li.session >> nth=1");
    assert.equal(await sessions.count(), 2);
    assert.equal(
      await page.locator("#sessions li[data-current='true'] .tag").innerText(),
      ui("account.thisSession"),
    );
    const current = await page.locator("#sessions li[data-current='true'] .session__device").innerText();
    assert.match(current, /^کروم در لینوکس/);
    await assertAccessible(page, "account page");
    await page.click(`#sessions button:has-text('${ui("account.revoke")}')`);
    await page.waitForFunction(() => document.querySelectorAll("#sessions li.session").length === 1);
    // Announced once the list shows it (waited for: the list and the announcement are two renders).
    await page.waitForSelector(`#sessions [role='status']:has-text('${ui("account.sessionEnded")}')`);
    assert.equal((await api("/api/me", laptop)).statusCode, 401, "the other device is signed out");

    await page.reload();
    await page.waitForSelector("#security-events li");
    const events = await page.locator("#security-events").innerText();
    assert.ok(events.includes(ui("account.event.session.revoked")), events);
    assert.ok(events.includes("۲ تلاش ناموفق برای ورود با گذرواژه"), events);
    assert.match(
      events,
      /کروم در لینوکس · نشانی IP: 127\.0\.0\.1/,
      "the device and the address of the sign-in",
    );
    await assertAccessible(page, "security events");
  });

  test("changes the password: errors in the summary and inline, then a new sign-in with it", async () => {
    const other = await loginCookie(h.sys, ali);
    await open(ui("account.changePassword"));
    await page.click("button:has-text('ثبت گذرواژه جدید')");
    const empty = await summary();
    assert.ok(empty.includes(t("fa", "errors.currentPassword.required")), empty);
    assert.ok(empty.includes(t("fa", "errors.password.required")), empty);
    assert.equal(await page.getAttribute("#f-currentPassword", "aria-invalid"), "true");
    await assertAccessible(page, "change password with errors");
    await page.fill("#f-currentPassword", "WrongPass2026");
    await page.fill("#f-password", NEW_PASSWORD);
    await page.fill("#f-passwordConfirmation", NEW_PASSWORD);
    await page.click("button:has-text('ثبت گذرواژه جدید')");
    await page.waitForSelector(
      `#f-currentPassword-error:has-text('${t("fa", "errors.currentPassword.wrong")}')`,
    );
    await page.fill("#f-currentPassword", ali.password);
    await page.click("button:has-text('ثبت گذرواژه جدید')");
    await page.waitForSelector("#password-done");
    await assertAccessible(page, "password changed");
    password = NEW_PASSWORD;
    assert.equal((await api("/api/me", other)).statusCode, 401, "other sessions end with the change");
    await page.goto(`${h.base}/account`);
    await page.click("button:has-text('خروج از سیستم')");
    await page.waitForURL(`${h.base}/login`);
    await signIn();
  });

  test("changes the email with the code from the outbox; a wrong code says how many tries are left", async () => {
    await open(ui("account.changeEmail"));
    assert.match(await page.locator("#contact-current").innerText(), /a\*\*\*@example\.com/);
    await page.fill("#f-email", "ali.new@example.com");
    await page.fill("#f-currentPassword", password);
    await assertAccessible(page, "change email");
    await page.click(`button:has-text('${ui("account.sendCode")}')`);
    await page.waitForSelector("#f-code");
    await assertAccessible(page, "change email: code");
    const code = await latestCode(h.sys, "ali.new@example.com");
    await page.fill("#f-code", code === "000000" ? "111111" : "000000");
    await page.click(`button:has-text('${ui("account.verify")}')`);
    await page.waitForSelector("#f-code-error");
    assert.match(await page.locator("#f-code-error").innerText(), /۴ بار دیگر/);
    await assertAccessible(page, "change email: wrong code");
    await page.fill("#f-code", fa(code));
    await page.click(`button:has-text('${ui("account.verify")}')`);
    await page.waitForSelector(`#contact-result:has-text('${ui("account.applied.email")}')`);
    await assertAccessible(page, "email applied");
    await page.click(`#contact-result a:has-text('${ui("account.back")}')`);
    await page.waitForSelector("#profile-title");
    assert.match(await page.locator("main").innerText(), /a\*\*\*@example\.com/);
  });

  test("a mobile owned by the person (typed in Persian digits) is applied", async () => {
    await open(ui("account.changeMobile"));
    await page.fill("#f-mobile", "۰۹۱۲ ۱۲۳ ۴۵۶۷");
    await page.fill("#f-currentPassword", password);
    await page.click(`button:has-text('${ui("account.sendCode")}')`);
    await page.waitForSelector("#f-code");
    assert.match(await page.locator("#code-sent").innerText(), /۰۹۱۲۱۲۳۴۵۶۷/);
    await page.fill("#f-code", await latestCode(h.sys, ali.mobile));
    await page.click(`button:has-text('${ui("account.verify")}')`);
    await page.waitForSelector(`#contact-result:has-text('${ui("account.applied.mobile")}')`);
    await assertAccessible(page, "mobile applied");
    await page.goto(`${h.base}/account`);
    await page.waitForSelector("#profile-title");
    assert.match(await page.locator("main").innerText(), /۰۹۱۲\*\*\*۴۵۶۷/);
  });

  test("a second code within the minute is refused with the wait", async () => {
    await open(ui("account.changeMobile"));
    await page.fill("#f-mobile", "09351112233");
    await page.fill("#f-currentPassword", password);
    await page.click(`button:has-text('${ui("account.sendCode")}')`);
    await page.waitForSelector(".error-summary");
    // The wait counts down under the button, which stays disabled until it is over (issue 21).
    const notice = (await page.locator("#wait-notice").textContent()) ?? "";
    assert.match(notice, /^لطفاً (۱ دقیقه( و ۱ ثانیه)?|[۰-۹]+ ثانیه) دیگر دوباره تلاش کنید\.$/, notice);
    assert.ok(await page.locator(`button:has-text('${ui("account.sendCode")}')`).isDisabled());
    await assertAccessible(page, "change mobile: too many requests");
  });

  test("a mobile not registered to the person waits for a branch visit", async () => {
    h.sys.clock.advance(61_000);
    await open(ui("account.changeMobile"));
    await page.fill("#f-mobile", "09351112233");
    await page.fill("#f-currentPassword", password);
    await page.click(`button:has-text('${ui("account.sendCode")}')`);
    await page.waitForSelector("#f-code");
    await page.fill("#f-code", await latestCode(h.sys, "09351112233"));
    await page.click(`button:has-text('${ui("account.verify")}')`);
    const result = await page.waitForSelector(`#contact-result:has-text('${ui("account.pending.title")}')`);
    const text = await result.innerText();
    assert.match(text, /به نام شما ثبت نشده است/);
    assert.match(text, /اصل کارت ملی و اصل شناسنامه/);
    await assertAccessible(page, "mobile pending branch");
    await page.goto(`${h.base}/account`);
    await page.waitForSelector("#profile-title");
    assert.match(
      await page.locator("main").innerText(),
      /۰۹۱۲\*\*\*۴۵۶۷/,
      "the number stays until the branch",
    );
  });

  test("changes the security questions (four of them)", async () => {
    await open(ui("account.changeQuestions"));
    await page.waitForSelector("#f-securityAnswers-0-questionId option[value='q4']", { state: "attached" });
    await page.click(`button:has-text('${ui("account.saveQuestions")}')`);
    const errors = await summary();
    assert.ok(errors.includes(t("fa", "errors.securityAnswers.questionRequired")), errors);
    assert.ok(errors.includes(t("fa", "errors.currentPassword.required")), errors);
    await assertAccessible(page, "security questions with errors");
    await page.click(`button:has-text('${ui("account.addQuestion")}')`);
    for (const [i, [q, answer]] of [
      ["q4", "اصفهان"],
      ["q5", "سعدی"],
      ["q6", "سبز"],
      ["q7", "شیراز"],
    ].entries()) {
      await page.selectOption(`#f-securityAnswers-${i}-questionId`, q!);
      await page.fill(`#f-securityAnswers-${i}-answer`, answer!);
    }
    await page.fill("#f-currentPassword", password);
    await assertAccessible(page, "security questions filled");
    await page.click(`button:has-text('${ui("account.saveQuestions")}')`);
    await page.waitForSelector("#questions-done");
    await assertAccessible(page, "security questions changed");
    const stored = await h.sys.db.selectFrom("security_answers").select("question_id").execute();
    assert.deepEqual(stored.map((r) => r.question_id).sort(), ["q4", "q5", "q6", "q7"]);
  });

  test("the pages fit a 360 px phone", async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ["/account", "/account/password", "/account/mobile", "/account/email"]) {
      await page.goto(`${h.base}${path}`);
      await page.waitForSelector("h1");
      await assertFitsWidth(page, path);
    }
    await page.goto(`${h.base}/account/security-questions`);
    await page.waitForSelector("#f-securityAnswers-0-questionId");
    await assertFitsWidth(page, "/account/security-questions");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test("after sign-out a change page goes back to the login", async () => {
    await page.goto(`${h.base}/account`);
    await page.click("button:has-text('خروج از سیستم')");
    await page.waitForURL(`${h.base}/login`);
    await page.goto(`${h.base}/account/mobile`);
    await page.waitForURL(`${h.base}/login`);
  });
});
