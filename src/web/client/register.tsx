// R-REG: the six-step registration wizard. Every step is checked with the domain's own rules
// (validateRegistrationStep), the same code the server runs on the final submission.
import { useEffect, useRef, useState } from "preact/hooks";
import {
  REGISTRATION_STEPS,
  type RegistrationStep,
  STEP_FIELDS,
  validateRegistrationStep,
} from "../../domain/registration.ts";
import type { FieldError } from "../../domain/result.ts";
import { api } from "./api.ts";
import { loadedBlocklist } from "./blocklist.ts";
import { Announcer, addError, ErrorSummary, type Errors, focusField, StepBar } from "./form.tsx";
import { useI18n } from "./i18n.ts";
import {
  canonicalPair,
  codeSentFor,
  confirmCode,
  MobileCodeFields,
  type MobileProof,
  NO_PROOF,
  provedFor,
  sendCode,
} from "./register-mobile.tsx";
import { StepFields } from "./register-steps.tsx";
import { Link, PageHeading } from "./router.tsx";

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

const EMPTY: Values = {
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

const stepOf = (field: string) =>
  field === "mobileProof" || field === "code"
    ? 0
    : REGISTRATION_STEPS.findIndex((s) =>
        (STEP_FIELDS[s] as readonly string[]).includes(field.split(".")[0] ?? ""),
      );

export function RegisterPage() {
  const { t, locale } = useI18n();
  const [values, setValues] = useState<Values>(EMPTY);
  const [index, setIndex] = useState(0);
  const [errors, setErrors] = useState<Errors>({});
  const [questions, setQuestions] = useState<Question[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [proof, setProof] = useState<MobileProof>(NO_PROOF);
  const pair = canonicalPair(values.nationalId, values.mobile);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  // After a step change the focus goes to the new step's heading, once it is on the screen.
  useEffect(() => {
    if (moved.current) stepHeading.current?.focus();
    moved.current = false;
  }, [index]);
  const step = REGISTRATION_STEPS[index] as RegistrationStep;

  useEffect(() => {
    api<Question[]>("GET", "/api/security-questions").then((r) => r.ok && setQuestions(r.data));
  }, [locale]);

  const messagesOf = (list: FieldError[]): Errors => {
    const out: Errors = {};
    for (const e of list) addError(out, e.field, t(`errors.${e.code}`));
    return out;
  };
  const check = (s: RegistrationStep, v: Values) =>
    messagesOf(
      validateRegistrationStep(s, v as unknown as Record<string, unknown>, new Date(), {
        blocklist: loadedBlocklist(),
      }),
    );

  // As you go: a field is checked when it is left, and its error clears as soon as it is fixed.
  const revalidate = (field: string, v: Values, always: boolean) => {
    if (!always && !(field in errors)) return;
    const found = check(step, v);
    setErrors((prev) => {
      const next = { ...prev };
      delete next[field];
      if (found[field]) next[field] = found[field];
      return next;
    });
  };
  const set = (field: string, value: unknown) => {
    const next = { ...values, [field]: value } as Values;
    setValues(next);
    if (field === "securityAnswers") {
      for (const key of Object.keys(errors))
        if (key.startsWith("securityAnswers")) revalidate(key, next, false);
    } else revalidate(field, next, false);
    if (field === "password" && errors.passwordConfirmation) revalidate("passwordConfirmation", next, false);
  };
  const blur = (field: string) => revalidate(field, values, true);

  const go = (to: number) => {
    setErrors({});
    setIndex(to);
    const name = t(`steps.${REGISTRATION_STEPS[to]}`);
    setAnnouncement(t("stepAnnounce", { n: to + 1, total: REGISTRATION_STEPS.length, name }));
    moved.current = true;
  };
  const next = () => {
    const found = check(step, values);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (step === "identity") stepOne();
    else go(index + 1);
  };
  // Step 1 goes on only once the mobile is proved: send the code, then confirm what was typed.
  const stepOne = async () => {
    if (!pair || provedFor(proof, pair)) return go(1);
    setBusy(true);
    if (!codeSentFor(proof, pair)) {
      const r = await sendCode(proof, pair, t("networkError"));
      setBusy(false);
      if (r.errors) return setErrors(r.errors);
      setProof(r.state);
      setTimeout(() => focusField("code"));
      return;
    }
    if (proof.code.trim() === "") {
      setBusy(false);
      return setErrors({ code: t("errors.code.required") });
    }
    const r = await confirmCode(proof, t("networkError"));
    setBusy(false);
    if (r.errors) return setErrors(r.errors);
    setProof(r.state);
    go(1);
  };
  const resend = async () => {
    if (!pair) return;
    const r = await sendCode(proof, pair, t("networkError"));
    setErrors(r.errors ?? {});
    if (r.state) setProof(r.state);
  };
  const changeNumber = () => {
    setProof({ ...NO_PROOF, proof: proof.proof });
    setErrors({});
    setTimeout(() => focusField("mobile"));
  };

  const submit = async () => {
    const found = check("review", values);
    if (Object.keys(found).length > 0) return showServerErrors(found);
    setBusy(true);
    const mobileProof = provedFor(proof, pair);
    const r = await api<{ message: string }>("POST", "/api/registrations", { ...values, mobileProof });
    setBusy(false);
    if (r.ok) {
      setDone(r.data.message);
      setAnnouncement(r.data.message);
      return;
    }
    const fieldErrors: Errors = {};
    for (const e of r.problem.errors ?? []) addError(fieldErrors, e.field, e.message);
    // A proof that is no longer good (expired, or spent): step 1 asks for a new code.
    if (fieldErrors.mobileProof) setProof(NO_PROOF);
    if (Object.keys(fieldErrors).length > 0) return showServerErrors(fieldErrors);
    setErrors({ form: r.problem.title || t("networkError") });
  };
  // Errors go back to the first step that has one, field by field.
  const showServerErrors = (found: Errors) => {
    const first = Math.min(...Object.keys(found).map((f) => (stepOf(f) < 0 ? index : stepOf(f))));
    const mine: Errors = {};
    for (const [f, m] of Object.entries(found))
      if ((stepOf(f) < 0 ? index : stepOf(f)) === first) mine[f] = m;
    setIndex(first);
    setErrors(mine);
  };

  if (done) return <RegistrationDone message={done} />;

  return (
    <div class="narrow">
      <PageHeading title={t("register.title")}>{t("register.title")}</PageHeading>
      <StepBar labels={REGISTRATION_STEPS.map((k) => t(`steps.${k}`))} current={index} />
      <ErrorSummary
        errors={errors}
        order={[...Object.values(STEP_FIELDS).flat(), "code", "mobileProof", "form"]}
      />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (step === "review") submit();
          else next();
        }}
      >
        <h2 class="step-title" tabIndex={-1} ref={stepHeading}>
          <span class="step-title__count">
            {t("stepCount", { n: index + 1, total: REGISTRATION_STEPS.length })}
          </span>
          {t(`steps.${step}`)}
        </h2>
        <StepFields
          step={step}
          values={values}
          errors={errors}
          questions={questions}
          set={set}
          blur={blur}
          goTo={go}
        />
        {step === "identity" && codeSentFor(proof, pair) && !provedFor(proof, pair) && (
          <MobileCodeFields
            state={proof}
            error={errors.code}
            setCode={(code) => setProof({ ...proof, code })}
            resend={resend}
            change={changeNumber}
          />
        )}
        <div class="button-row">
          <button type="submit" class="button" disabled={busy}>
            {step === "review" ? t("register.submit") : t("next")}
          </button>
          {index > 0 && (
            <button type="button" class="button button--secondary" onClick={() => go(index - 1)}>
              {t("previous")}
            </button>
          )}
        </div>
      </form>
      <Announcer message={announcement} />
    </div>
  );
}

function RegistrationDone({ message }: { message: string }) {
  const { t } = useI18n();
  return (
    <div class="narrow">
      <PageHeading title={t("register.doneTitle")}>{t("register.doneTitle")}</PageHeading>
      <div class="panel panel--success" role="status">
        <p class="panel__body" id="registration-success">
          {message}
        </p>
      </div>
      <p>{t("register.doneNext")}</p>
      <div class="notice">
        <p class="notice__title">{t("register.retryTitle")}</p>
        <p>{t("register.retryText")}</p>
        <p class="notice__title">{t("register.wait48Title")}</p>
        <p>{t("register.wait48Text")}</p>
      </div>
      <ul class="link-list">
        <li>
          <Link href="/track">{t("nav.track")}</Link>
        </li>
        <li>
          <Link href="/login">{t("nav.login")}</Link>
        </li>
      </ul>
    </div>
  );
}
