// Registration bodies for the fictional people of fixtures/registry.demo.json.
export const PASSWORD = "Hoviat2026x";

export const ali = {
  nationalId: "0012345679",
  mobile: "09121234567",
  firstName: "علی",
  lastName: "رضایی",
  gender: "male",
  birthCertificateNumber: "1234",
  birthDate: "1365/04/12",
  email: "ali.rezaei@example.com",
  securityAnswers: [
    { questionId: "q1", answer: "تهران" },
    { questionId: "q2", answer: "کریمی" },
    { questionId: "q3", answer: "پرسپولیس" },
  ],
  password: PASSWORD,
  passwordConfirmation: PASSWORD,
};

export const zahra = {
  ...ali,
  nationalId: "0023456787",
  mobile: "09351234567",
  firstName: "زهرا",
  lastName: "کریمی",
  gender: "female",
  birthCertificateNumber: "0023456787",
  birthDate: "1370/05/21",
  email: "zahra.karimi@example.com",
};

/** In the registry, but no mobile number is registered to him: his account waits for a branch. */
export const mohammadreza = {
  ...ali,
  nationalId: "0034567895",
  mobile: "09120000001",
  firstName: "محمدرضا",
  lastName: "حسینی",
  birthCertificateNumber: "5521",
  birthDate: "1358/11/03",
  email: "m.hosseini@example.com",
};

/** Typed with Arabic letter forms and a space where the registry has none: still a match. */
export const abdollah = {
  ...ali,
  nationalId: "0056789122",
  mobile: "09131234567",
  firstName: "عبد الله",
  lastName: "نيك‌نام",
  birthCertificateNumber: "31",
  birthDate: "1349/09/30",
  email: "abdollah@example.com",
};
