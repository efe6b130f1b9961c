// What the registration wizard holds, shared by the wizard (register.tsx) and its steps
// (steps.tsx), which would otherwise import each other.
export type Answer = { questionId: string; answer: string };
export type Values = {
  nationalId: string;
  mobile: string;
  lastName: string;
  firstName: string;
  gender: string;
  birthCertificateNumber: string;
  birthDate: string;
  email: string;
  securityAnswers: Answer[];
  password: string;
  passwordConfirmation: string;
};
export type Question = { id: string; text: string };

export const EMPTY: Values = {
  nationalId: "",
  mobile: "",
  lastName: "",
  firstName: "",
  gender: "",
  birthCertificateNumber: "",
  birthDate: "",
  email: "",
  securityAnswers: [0, 1, 2].map(() => ({ questionId: "", answer: "" })),
  password: "",
  passwordConfirmation: "",
};

/** The fields that are never written to storage: asked again after a reload. */
export const isSecretField = (field: string) =>
  field === "password" || field === "passwordConfirmation" || /^securityAnswers\.\d+\.answer$/.test(field);

/** The values without their secrets. */
export const withoutSecrets = (v: Values): Values => ({
  ...v,
  securityAnswers: v.securityAnswers.map((a) => ({ ...a, answer: "" })),
  password: "",
  passwordConfirmation: "",
});
