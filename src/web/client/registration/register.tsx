// R-REG: the six-step registration wizard. Every step is checked with the domain's own rules
// (validateRegistrationStep), the same code the server runs on the final submission. Each step is a
// history entry (/register/N), the draft survives a reload (draft.ts), and leaving with
// input typed asks first.
import { useEffect, useRef, useState } from "preact/hooks";
import { REGISTRATION_STEPS, type RegistrationStep, STEP_FIELDS } from "../../../domain/registration.ts";
import type { FieldError } from "../../../domain/result.ts";
import { api } from "../api.ts";
import { useWrongCode } from "../code-step.tsx";
import { Announcer, addError, ErrorSummary, type Errors, focusField, StepBar } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { guardLeaving, navigate, PageHeading } from "../router.tsx";
import { RegistrationDone } from "./done.tsx";
import { clearDraft, loadDraft, saveDraft, stepsWithSecrets } from "./draft.ts";
import {
  firstIncomplete,
  isComplete,
  REVIEW,
  reachable,
  stepErrors,
  stepFromPath,
  stepPath,
} from "./flow.ts";
import {
  canonicalPair,
  codeSentFor,
  confirmCode,
  MobileCodeFields,
  type MobileProof,
  NO_PROOF,
  provedFor,
  sendCode,
} from "./mobile.tsx";
import { StepFields } from "./steps.tsx";
import { EMPTY, type Question, type Values } from "./types.ts";

const stepOf = (field: string) =>
  field === "mobileProof" || field === "code"
    ? 0
    : REGISTRATION_STEPS.findIndex((s) =>
        (STEP_FIELDS[s] as readonly string[]).includes(field.split(".")[0] ?? ""),
      );
type Shown = { step: number; errors: Errors; summary: boolean };
const isRegisterPath = (to: string) => stepFromPath(to.split(/[?#]/)[0] ?? "") !== null;

export function RegisterPage({ path }: { path: string }) {
  const { t, locale } = useI18n();
  const wrongCode = useWrongCode();
  const [restored] = useState(loadDraft);
  const [values, setValues] = useState<Values>(restored?.values ?? EMPTY);
  const [proof, setProof] = useState<MobileProof>(restored?.proof ?? NO_PROOF);
  const [returning, setReturning] = useState(restored?.returning ?? false);
  // Steps whose secrets were lost in a reload: they show a note until they are passed again.
  const [asked, setAsked] = useState<number[]>(restored?.secretSteps ?? []);
  // Errors belong to a step: moving to another step (also by the back button) leaves them behind.
  // The summary lists them only once a button was pressed on the step: before that, an error found
  // when a field is left shows under the field alone, and the page above does not jump.
  const [shown, setShown] = useState<Shown>({ step: 0, errors: {}, summary: false });
  const [summaryFocus, setSummaryFocus] = useState(0);
  const [questions, setQuestions] = useState<Question[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const cancelled = useRef(false);
  const pair = canonicalPair(values.nationalId, values.mobile);
  const index = reachable(stepFromPath(path) ?? 0, values, proof);
  const step = REGISTRATION_STEPS[index] as RegistrationStep;
  const errors = shown.step === index ? shown.errors : {};
  const summaryErrors = shown.step === index && shown.summary ? shown.errors : {};
  const dirty = !done && (JSON.stringify(values) !== JSON.stringify(EMPTY) || proof.sentFor !== null);

  useEffect(() => {
    api<Question[]>("GET", "/api/security-questions").then((r) => r.ok && setQuestions(r.data));
  }, [locale]);

  // The address follows the step shown: /register, a deep link or a stale entry is rewritten.
  useEffect(() => {
    if (done || path === stepPath(index)) return;
    if (stepFromPath(path) === REVIEW) setReturning(true);
    navigate(stepPath(index), { replace: true });
  }, [path, index, done]);
  useEffect(() => {
    if (index === REVIEW) setReturning(false);
  }, [index]);

  // A new step is announced and its heading takes the focus, unless an error summary does.
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const shownIndex = useRef(index);
  useEffect(() => {
    if (shownIndex.current === index) return;
    shownIndex.current = index;
    const name = t(`steps.${step}`);
    setAnnouncement(t("stepAnnounce", { n: index + 1, total: REGISTRATION_STEPS.length, name }));
    if (Object.keys(errors).length === 0) stepHeading.current?.focus();
  }, [index]);

  useEffect(() => {
    if (done) return;
    const typed = stepsWithSecrets(values, proof);
    const secretSteps = [...new Set([...asked, ...typed])];
    if (dirty) saveDraft({ values, proof, returning, secretSteps });
    else clearDraft();
  }, [values, proof, returning, asked, done]);

  // Closing the tab or following a link out of the wizard with input typed asks first.
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = "";
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    const release = guardLeaving((to) => (cancelled.current || isRegisterPath(to) ? null : t("reg.leave")));
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      release();
    };
  }, [dirty, locale]);

  const messagesOf = (list: FieldError[]): Errors => {
    const out: Errors = {};
    for (const e of list) addError(out, e.field, t(`errors.${e.code}`));
    return out;
  };
  const check = (s: RegistrationStep, v: Values) => messagesOf(stepErrors(s, v));
  const setErrors = (found: Errors, at = index) => setShown({ step: at, errors: found, summary: true });
  /** Errors after «مرحله بعد» or a submission: the summary takes the focus. */
  const showErrors = (found: Errors, at = index) => {
    setErrors(found, at);
    setSummaryFocus((n) => n + 1);
  };

  // As you go: a field is checked when it is left, and its error clears as soon as it is fixed.
  const revalidate = (field: string, v: Values, always: boolean) => {
    if (!always && !(field in errors)) return;
    const found = check(step, v);
    setShown((prev) => {
      const same = prev.step === index;
      const next = same ? { ...prev.errors } : {};
      delete next[field];
      if (found[field]) next[field] = found[field];
      return { step: index, errors: next, summary: same && prev.summary };
    });
  };
  const set = (field: string, value: unknown) => {
    const next = { ...values, [field]: value } as Values;
    latest.current = next;
    setValues(next);
    if (field === "securityAnswers") {
      for (const key of Object.keys(errors))
        if (key.startsWith("securityAnswers")) revalidate(key, next, false);
    } else revalidate(field, next, false);
    if (field === "password" && errors.passwordConfirmation) revalidate("passwordConfirmation", next, false);
  };
  // Checked when the person moves on to another field, not when they tap a button or a link: the
  // message it adds above the field moves what is below, and a tap in flight would land beside it.
  const latest = useRef(values);
  latest.current = values;
  const blur = (field: string) =>
    setTimeout(() => {
      if (document.activeElement?.matches("input, select, textarea")) revalidate(field, latest.current, true);
    });

  /** To step `to`, or to the first incomplete step before it; the review needs every step. */
  const go = (to: number, v = values, pr = proof) => {
    const target = reachable(to, v, pr);
    if (to === REVIEW && target < REVIEW) setReturning(true);
    setShown({ step: -1, errors: {}, summary: false });
    navigate(stepPath(target));
  };
  const nextStep = (pr: MobileProof) => (returning ? firstIncomplete(values, pr, index) : index + 1);
  const advance = (pr = proof) => {
    setAsked((a) => a.filter((s) => s !== index));
    go(nextStep(pr), values, pr);
  };
  const next = () => {
    const found = check(step, values);
    if (Object.keys(found).length > 0) return showErrors(found);
    setErrors({});
    if (step === "identity") stepOne();
    else advance();
  };
  // Step 1 goes on only once the mobile is proved: send the code, then confirm what was typed.
  const stepOne = async () => {
    if (!pair || provedFor(proof, pair)) return advance();
    setBusy(true);
    if (!codeSentFor(proof, pair)) {
      const r = await sendCode(proof, pair, t("networkError"));
      setBusy(false);
      if (r.errors) return showErrors(r.errors);
      setProof(r.state);
      setTimeout(() => focusField("code"));
      return;
    }
    if (proof.code.trim() === "") {
      setBusy(false);
      return showErrors({ code: t("errors.code.required") });
    }
    const r = await confirmCode(proof, t("networkError"), (p) => wrongCode(p, "recover.attemptsLeft", ""));
    setBusy(false);
    if (r.errors) return showErrors(r.errors);
    setProof(r.state);
    advance(r.state);
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
  /** «تغییر» on the review: to that step, and from it straight back to the review. */
  const change = (to: number) => {
    setReturning(true);
    setShown({ step: -1, errors: {}, summary: false });
    navigate(stepPath(to));
  };
  const cancel = () => {
    if (dirty && !window.confirm(t("reg.cancelConfirm"))) return;
    cancelled.current = true;
    clearDraft();
    navigate("/");
  };

  const submit = async () => {
    const found = check("review", values);
    if (Object.keys(found).length > 0) return showServerErrors(found);
    setBusy(true);
    const mobileProof = provedFor(proof, pair);
    const r = await api<{ message: string }>("POST", "/api/registrations", { ...values, mobileProof });
    setBusy(false);
    if (r.ok) {
      clearDraft();
      setDone(r.data.message);
      setAnnouncement(r.data.message);
      return;
    }
    const fieldErrors: Errors = {};
    for (const e of r.problem.errors ?? []) addError(fieldErrors, e.field, e.message);
    // A proof that is no longer good (expired, or spent): step 1 asks for a new code.
    if (fieldErrors.mobileProof) setProof(NO_PROOF);
    if (Object.keys(fieldErrors).length > 0) return showServerErrors(fieldErrors);
    showErrors({ form: r.problem.title || t("networkError") });
  };
  // Errors go back to the first step that has one, field by field; from there back to the review.
  const showServerErrors = (found: Errors) => {
    const first = Math.min(...Object.keys(found).map((f) => (stepOf(f) < 0 ? index : stepOf(f))));
    const mine: Errors = {};
    for (const [f, m] of Object.entries(found))
      if ((stepOf(f) < 0 ? index : stepOf(f)) === first) mine[f] = m;
    showErrors(mine, first);
    if (first !== index) {
      setReturning(true);
      navigate(stepPath(first));
    }
  };

  if (done) return <RegistrationDone message={done} />;

  const backToReview = returning && index !== REVIEW && firstIncomplete(values, proof, index) === REVIEW;
  return (
    <div class="narrow">
      <PageHeading title={t("register.title")}>{t("register.title")}</PageHeading>
      <StepBar
        labels={REGISTRATION_STEPS.map((k) => t(`steps.${k}`))}
        current={index}
        done={REGISTRATION_STEPS.map(
          (_, i) => i < REVIEW && i !== index && isComplete(i, values, proof, true),
        )}
      />
      <ErrorSummary
        errors={summaryErrors}
        order={[...Object.values(STEP_FIELDS).flat(), "code", "mobileProof", "form"]}
        focusKey={summaryFocus}
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
        {asked.includes(index) && (
          <p class="secrets-note" id="secrets-note">
            {t("reg.secretsAgain")}
          </p>
        )}
        <StepFields
          step={step}
          values={values}
          errors={errors}
          questions={questions}
          set={set}
          blur={blur}
          change={change}
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
            {step === "review" ? t("register.submit") : backToReview ? t("reg.backToReview") : t("next")}
          </button>
          {index > 0 && (
            <button type="button" class="button button--secondary" onClick={() => go(index - 1)}>
              {t("previous")}
            </button>
          )}
        </div>
        <p class="wizard-cancel">
          <button type="button" class="link-button" onClick={cancel}>
            {t("reg.cancel")}
          </button>
        </p>
      </form>
      <Announcer message={announcement} />
    </div>
  );
}
