import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  REGISTRATION_STEPS,
  STEP_FIELDS,
  validateRegistration,
  validateRegistrationStep,
} from "./registration.ts";

const today = new Date("2025-11-25T08:00:00Z");
const good = {
  nationalId: "۰۴۹۹۳۷۰۸۹۹",
  mobile: "+98 912 123 4567",
  firstName: " علي رضا ",
  lastName: "كاظمي",
  gender: "male",
  birthCertificateNumber: "۱۲۳۴",
  birthDate: "۱۳۷۰/۵/۲۱",
  email: " Ali@Example.COM ",
  securityAnswers: [
    { questionId: "q1", answer: "خانم احمدی" },
    { questionId: "q2", answer: "تبریز" },
    { questionId: "q3", answer: "Reza" },
  ],
  password: "Kavir1404",
  passwordConfirmation: "Kavir1404",
};

const codes = (errors: { field: string; code: string }[]) => errors.map((e) => `${e.field}:${e.code}`);

describe("validateRegistration", () => {
  test("a good submission comes back in canonical form", () => {
    assert.deepEqual(validateRegistration(good, today), {
      ok: true,
      value: {
        nationalId: "0499370899",
        mobile: "09121234567",
        firstName: "علی رضا",
        lastName: "کاظمی",
        gender: "male",
        birthCertificateNumber: "1234",
        birthDate: "1370/05/21",
        email: "Ali@example.com",
        securityAnswers: [
          { questionId: "q1", answer: "خانماحمدی" },
          { questionId: "q2", answer: "تبریز" },
          { questionId: "q3", answer: "reza" },
        ],
        password: "Kavir1404",
        passwordConfirmation: "Kavir1404",
      },
    });
  });

  test("an empty submission reports every required field, in wizard order", () => {
    const result = validateRegistration({}, today);
    assert.equal(result.ok, false);
    assert.deepEqual(codes(result.ok ? [] : result.errors), [
      "nationalId:nationalId.required",
      "mobile:mobile.required",
      "lastName:lastName.required",
      "firstName:firstName.required",
      "gender:gender.required",
      "birthCertificateNumber:birthCertificateNumber.required",
      "birthDate:birthDate.required",
      "email:email.required",
      "securityAnswers:securityAnswers.tooFew",
      "password:password.required",
      "passwordConfirmation:passwordConfirmation.required",
    ]);
  });

  test("the certificate number may equal the national ID", () => {
    assert.equal(validateRegistration({ ...good, birthCertificateNumber: "0499370899" }, today).ok, true);
  });
});

describe("validateRegistrationStep", () => {
  test("each step checks only its own fields", () => {
    for (const step of REGISTRATION_STEPS) {
      if (step === "review") continue;
      const fields = new Set<string>(STEP_FIELDS[step]);
      for (const error of validateRegistrationStep(step, {}, today)) {
        assert.ok(fields.has(error.field.split(".")[0]!), `${step}: ${error.field}`);
      }
      assert.deepEqual(validateRegistrationStep(step, good, today), []);
    }
  });

  test("identity", () => {
    assert.deepEqual(
      codes(validateRegistrationStep("identity", { nationalId: "0499370898", mobile: "0212" }, today)),
      ["nationalId:nationalId.checksum", "mobile:mobile.format"],
    );
  });

  test("birth certificate: gender, zero certificate number, future date", () => {
    const raw = { ...good, gender: "other", birthCertificateNumber: "0", birthDate: "1404/09/05" };
    assert.deepEqual(codes(validateRegistrationStep("birthCertificate", raw, today)), [
      "gender:gender.invalid",
      "birthCertificateNumber:birthCertificateNumber.zero",
      "birthDate:birthDate.future",
    ]);
  });

  test("password step uses the national ID only when it is valid", () => {
    const withId = { ...good, password: "Ab0499370899", passwordConfirmation: "Ab0499370899" };
    assert.deepEqual(codes(validateRegistrationStep("password", withId, today)), [
      "password:password.nationalId",
    ]);
    const invalidId = { ...withId, nationalId: "12" };
    assert.deepEqual(validateRegistrationStep("password", invalidId, today), []);
  });

  test("review checks everything", () => {
    const raw = { ...good, email: "not-an-email", passwordConfirmation: "Other1404" };
    assert.deepEqual(codes(validateRegistrationStep("review", raw, today)), [
      "email:email.format",
      "passwordConfirmation:passwordConfirmation.mismatch",
    ]);
  });
});
