import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ERROR_CODES } from "../domain/error-codes.ts";
import { PASSWORD_RULES } from "../domain/password-policy.ts";
import { REGISTRATION_STEPS, STEP_FIELDS, validateRegistration } from "../domain/registration.ts";
import { SECURITY_QUESTIONS } from "../domain/security-questions.ts";
import { hasMessage, messages, t } from "./index.ts";

const today = new Date("2025-11-25T08:00:00Z");

describe("message files", () => {
  test("fa.json and en.json have the same keys", () => {
    const fa = Object.keys(messages.fa).sort();
    const en = Object.keys(messages.en).sort();
    assert.deepEqual(
      fa.filter((k) => !en.includes(k)),
      [],
      "keys only in fa.json",
    );
    assert.deepEqual(
      en.filter((k) => !fa.includes(k)),
      [],
      "keys only in en.json",
    );
  });

  test("no text is empty, and placeholders match between locales", () => {
    for (const [key, fa] of Object.entries(messages.fa)) {
      const en = messages.en[key] ?? "";
      assert.ok(fa.trim() && en.trim(), key);
      const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      assert.deepEqual(names(fa), names(en), key);
    }
  });

  test("Persian texts use Persian ی and ک, not Arabic ي and ك", () => {
    for (const [key, text] of Object.entries(messages.fa))
      assert.doesNotMatch(text, /[\u064A\u0643\u0649]/, key);
  });

  test("every error code of the domain has a message", () => {
    const missing = ERROR_CODES.filter((code) => !hasMessage(`errors.${code}`));
    assert.deepEqual(missing, []);
  });

  test("every code produced by validateRegistration is a listed error code", () => {
    const bad: Record<string, unknown>[] = [
      {},
      {
        nationalId: "x",
        mobile: "x",
        firstName: "x",
        lastName: "x",
        gender: "x",
        birthCertificateNumber: "x",
      },
      { nationalId: "1111111111", birthCertificateNumber: "0", birthDate: "1400/12/30", email: "x" },
      { nationalId: "0499370898", birthDate: "1405/01/01", securityAnswers: [{}, { questionId: "q1" }] },
      { securityAnswers: Array.from({ length: 6 }, () => ({ questionId: "q1", answer: "ا".repeat(101) })) },
      { nationalId: "0499370899", password: "۰۴۹۹۳۷۰۸۹۹ ", passwordConfirmation: "x" },
    ];
    for (const raw of bad) {
      const result = validateRegistration(raw, today);
      for (const error of result.ok ? [] : result.errors)
        assert.ok(ERROR_CODES.includes(error.code), error.code);
    }
  });

  test("every security question has a text", () => {
    for (const q of SECURITY_QUESTIONS) assert.ok(hasMessage(q.key), q.key);
  });

  test("every password rule has a checklist text in the guide's exact words", () => {
    for (const rule of PASSWORD_RULES)
      assert.ok(hasMessage(`passwordRules.${rule.code.replace("password.", "")}`));
    assert.deepEqual(
      PASSWORD_RULES.map((rule) => t("fa", `passwordRules.${rule.code.replace("password.", "")}`)),
      [
        "صرفاً شامل حروف بزرگ و کوچک لاتین و اعداد باشد.",
        "حداقل هشت حرف باشد.",
        "حداقل شامل یک حرف بزرگ باشد.",
        "حداقل شامل یک حرف کوچک باشد.",
        "حداقل شامل یک عدد باشد.",
        "شامل کد ملی نباشد.",
        "رایج نباشد و از اطلاعات شخصی شما (نام، تاریخ تولد، شماره همراه) ساخته نشده باشد.",
      ],
    );
  });

  test("step titles are the guide's, and every step and field has a label", () => {
    assert.deepEqual(
      REGISTRATION_STEPS.map((step) => t("fa", `steps.${step}`)),
      ["کد ملی و شماره همراه", "اطلاعات شناسنامه", "ایمیل", "بررسی های امنیتی", "گذرواژه", "تایید"],
    );
    for (const fields of Object.values(STEP_FIELDS)) {
      for (const field of fields) assert.ok(hasMessage(`fields.${field}`), field);
    }
  });

  test("the zero certificate-number message is the guide's note", () => {
    assert.equal(
      t("fa", "errors.birthCertificateNumber.zero"),
      "افرادی که کد ملی و شماره شناسنامه یکسانی دارند لازم است هر دو قسمت کد ملی و شماره شناسنامه را با مقدار یکسان پر نموده و از وارد نمودن عدد ۰ (صفر) بجای شماره شناسنامه خودداری نمایند.",
    );
  });
});

describe("t", () => {
  test("looks a key up per locale", () => {
    assert.equal(t("fa", "fields.nationalId"), "کد ملی");
    assert.equal(t("en", "fields.nationalId"), "National ID");
  });

  test("an unknown key comes back as itself", () => {
    assert.equal(t("fa", "errors.nope"), "errors.nope");
    assert.equal(t("en", "toString"), "toString");
    assert.equal(hasMessage("errors.nope"), false);
  });

  test("fills placeholders; numbers in Persian digits in fa only", () => {
    messages.fa["test.params"] = "{name} عزیز، {hours} ساعت";
    messages.en["test.params"] = "Dear {name}, {hours} hours";
    try {
      assert.equal(t("fa", "test.params", { name: "Ali 2", hours: 48 }), "Ali 2 عزیز، ۴۸ ساعت");
      assert.equal(t("en", "test.params", { name: "Ali", hours: 48 }), "Dear Ali, 48 hours");
      assert.equal(t("en", "test.params", { name: "Ali" }), "Dear Ali, {hours} hours");
    } finally {
      delete messages.fa["test.params"];
      delete messages.en["test.params"];
    }
  });
});
