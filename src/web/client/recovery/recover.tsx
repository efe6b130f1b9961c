// R-REC: three steps, national ID and method → code or security answers → new password, beside
// the guide's «کاربر گرامی» panel.
import { useState } from "preact/hooks";
import { parseNationalId } from "../../../domain/national-id.ts";
import { type ApiProblem, api } from "../api.ts";
import { CodeStep, useCodeStep, useWait } from "../code-step.tsx";
import {
  addError,
  ErrorSummary,
  type Errors,
  NationalIdField,
  Radios,
  StepBar,
  TextField,
  useSteps,
} from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { NewPasswordFields, useNewPassword } from "../password-step.tsx";
import { Link, PageHeading } from "../router.tsx";

type Question = { id?: string; questionId?: string; text: string };
const STEPS = ["recover.step1", "recover.step2", "recover.step3"];

export function RecoverPage() {
  const { t } = useI18n();
  const { step, go: goTo, heading } = useSteps(0);
  const [nationalId, setNationalId] = useState("");
  const [method, setMethod] = useState("");
  const [recoveryId, setRecoveryId] = useState("");
  const [questions, setQuestions] = useState<Question[]>([]);
  const [answers, setAnswers] = useState<string[]>([]);
  const [resetToken, setResetToken] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const codeStep = useCodeStep();
  const wait = useWait();
  const parsedId = parseNationalId(nationalId);
  const newPassword = useNewPassword(parsedId.ok ? { nationalId: parsedId.value } : {});
  const [announcement, setAnnouncement] = useState("");
  const go = (to: number) => {
    setErrors({});
    goTo(to);
  };
  const serverErrors = (problem: ApiProblem) => {
    const found: Errors = {};
    // A wrong code or answers say how many tries are left, counted by the server.
    const message = problem.code?.startsWith("recovery.wrong")
      ? codeStep.wrong(problem, "recover.attemptsLeft")
      : null;
    if (message) {
      setErrors(problem.code === "recovery.wrongCode" ? { code: message } : { form: message });
      return;
    }
    for (const e of problem.errors ?? []) {
      const field = e.field.startsWith("answers") ? `answers.${e.field.split(".")[1] ?? 0}` : e.field;
      const known =
        ["nationalId", "method", "code", "password", "passwordConfirmation"].includes(field) ||
        field.startsWith("answers.");
      addError(found, known ? field : "form", e.message);
    }
    if (Object.keys(found).length === 0) found.form = problem.title || t("networkError");
    setErrors(found);
  };
  const call = async <T,>(path: string, body: unknown) => {
    setBusy(true);
    const r = await api<T>("POST", path, body);
    setBusy(false);
    if (!r.ok) {
      wait.caught(r.problem);
      serverErrors(r.problem);
    }
    return r.ok ? { data: r.data } : null;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (step === 0) {
      const id = parseNationalId(nationalId);
      if (!id.ok) found.nationalId = t(`errors.${id.code}`);
      if (!method) found.method = t("recover.methodRequired");
    } else if (step === 1 && method !== "security_questions") {
      if (codeStep.code.trim() === "") found.code = t("recover.codeRequired");
    } else if (step === 1) {
      questions.forEach((_, i) => {
        if ((answers[i] ?? "").trim() === "") found[`answers.${i}`] = t("recover.answerRequired");
      });
    } else newPassword.check(found);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (step === 0) {
      const r = await call<{ recoveryId: string; questions?: Question[]; resendAfterSeconds?: number }>(
        "/api/password-recovery",
        { nationalId, method },
      );
      if (!r) return;
      const data = r.data;
      setRecoveryId(data.recoveryId);
      codeStep.sent(data.resendAfterSeconds ?? 0);
      setAnnouncement("");
      setQuestions(data.questions ?? []);
      setAnswers((data.questions ?? []).map(() => ""));
      go(1);
    } else if (step === 1) {
      const body =
        method === "security_questions"
          ? {
              answers: questions.map((q, i) => ({
                questionId: q.questionId ?? q.id,
                answer: answers[i] ?? "",
              })),
            }
          : { code: codeStep.code };
      const r = await call<{ resetToken: string }>(
        `/api/password-recovery/${encodeURIComponent(recoveryId)}/verify`,
        body,
      );
      if (!r) return;
      setResetToken(r.data.resetToken);
      go(2);
    } else {
      const body = { resetToken, ...newPassword.body };
      const r = await call(`/api/password-recovery/${encodeURIComponent(recoveryId)}/reset`, body);
      if (r) setDone(true);
    }
  };

  const resend = async () => {
    setBusy(true);
    const r = await api<{ recoveryId: string; resendAfterSeconds?: number }>(
      "POST",
      `/api/password-recovery/${encodeURIComponent(recoveryId)}/resend`,
    );
    setBusy(false);
    if (r.ok) {
      setRecoveryId(r.data.recoveryId);
      codeStep.sent(r.data.resendAfterSeconds ?? 0);
      setErrors({});
      setAnnouncement(t(method === "email" ? "recover.resentEmail" : "recover.resentSms"));
      return;
    }
    // Too early after all (another tab, a slow clock): the server's wait is the one counted down.
    if (codeStep.held(r.problem)) return;
    serverErrors(r.problem);
  };

  const methods = ["sms", "email", "security_questions"].map((m) => ({
    value: m,
    label: t(`recover.method.${m}`),
  }));
  return (
    <div class="with-aside">
      <div class="with-aside__main">
        <PageHeading title={t("nav.recover")}>{t("nav.recover")}</PageHeading>
        {done ? (
          <div class="panel panel--success" role="status" id="recover-done">
            <p class="panel__body">{t("recover.done")}</p>
            <Link href="/login">{t("nav.login")}</Link>
          </div>
        ) : (
          <>
            <StepBar labels={STEPS.map((k) => t(k))} current={step} modifier="steps--three" />
            <ErrorSummary
              errors={errors}
              order={["nationalId", "method", "code", "answers", "password", "passwordConfirmation", "form"]}
            />
            <form noValidate onSubmit={submit}>
              <h2 class="step-title" tabIndex={-1} ref={heading}>
                <span class="step-title__count">{t("stepCount", { n: step + 1, total: 3 })}</span>
                {t(STEPS[step] ?? "")}
              </h2>
              {step === 0 && (
                <>
                  <NationalIdField
                    value={nationalId}
                    onValue={setNationalId}
                    error={errors.nationalId}
                    autocomplete="username"
                  />
                  <Radios
                    field="method"
                    legend={t("recover.methodLabel")}
                    options={methods}
                    value={method}
                    onValue={setMethod}
                    error={errors.method}
                  />
                </>
              )}
              {step === 1 && method !== "security_questions" && (
                <>
                  <CodeStep
                    state={codeStep}
                    sent={t(method === "email" ? "recover.codeSentEmail" : "recover.codeSentSms")}
                    error={errors.code}
                    resend={{ id: "recover-resend", busy, onResend: resend }}
                  />
                  <p class="visually-hidden" role="status">
                    {announcement}
                  </p>
                </>
              )}
              {step === 1 &&
                method === "security_questions" &&
                questions.map((q, i) => (
                  <TextField
                    key={i}
                    field={`answers.${i}`}
                    label={q.text}
                    value={answers[i] ?? ""}
                    onValue={(v) => setAnswers(answers.map((a, j) => (j === i ? v : a)))}
                    error={errors[`answers.${i}`]}
                    width="full"
                  />
                ))}
              {step === 2 && (
                <NewPasswordFields {...newPassword.fields} errors={errors} person={{ nationalId }} />
              )}
              <div class="button-row">
                <button type="submit" class="button" disabled={busy || wait.left > 0}>
                  {step === 2 ? t("recover.submit") : t("next")}
                </button>
                {step > 0 && (
                  <button
                    type="button"
                    class="button button--secondary"
                    onClick={() => go(step === 2 ? 1 : 0)}
                  >
                    {t("previous")}
                  </button>
                )}
              </div>
              {wait.notice}
            </form>
          </>
        )}
      </div>
      <aside class="aside" aria-labelledby="aside-title">
        <h2 id="aside-title" class="aside__title">
          {t("recover.asideTitle")}
        </h2>
        <ol class="aside__list">
          {[1, 2, 3].map((n) => (
            <li key={n}>{t(`recover.aside${n}`)}</li>
          ))}
        </ol>
      </aside>
    </div>
  );
}
