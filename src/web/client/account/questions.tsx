// R-ACCT change security questions: 3 to 5 questions of GET /api/security-questions with answers,
// and the current password → PUT /api/account/security-questions (204; SMS notice). The answers
// are checked by the same rule code as the server's.

import { useEffect, useState } from "preact/hooks";
import {
  MAX_SECURITY_ANSWERS,
  MIN_SECURITY_ANSWERS,
  validateSecurityAnswers,
} from "../../../domain/security-questions.ts";
import { api } from "../api.ts";
import { SubmitButton } from "../code-step.tsx";
import { ErrorMessage, ErrorSummary, type Errors, fieldId, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { CurrentPasswordField } from "../password-step.tsx";
import { Link } from "../router.tsx";
import { AccountFrame, useMe, useProblemErrors } from "./common.tsx";

type Question = { id: string; text: string };
type Answer = { questionId: string; answer: string };
const blank = (): Answer => ({ questionId: "", answer: "" });

export function ChangeQuestionsPage() {
  const { t, num, locale } = useI18n();
  useMe();
  const problemErrors = useProblemErrors();
  const [questions, setQuestions] = useState<Question[]>([]);
  const [answers, setAnswers] = useState<Answer[]>(() => Array.from({ length: MIN_SECURITY_ANSWERS }, blank));
  const [current, setCurrent] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  useEffect(() => {
    api<Question[]>("GET", "/api/security-questions").then((r) => r.ok && setQuestions(r.data));
  }, [locale]);

  const update = (i: number, patch: Partial<Answer>) =>
    setAnswers(answers.map((a, j) => (j === i ? { ...a, ...patch } : a)));

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    for (const err of validateSecurityAnswers(answers).errors) found[err.field] ??= t(`errors.${err.code}`);
    if (current === "") found.currentPassword = t("errors.currentPassword.required");
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const r = await api("PUT", "/api/account/security-questions", {
      currentPassword: current,
      securityAnswers: answers,
    });
    setBusy(false);
    if (r.ok) {
      setDone(true);
      setCurrent("");
      return;
    }
    const out = problemErrors(r.problem, ["securityAnswers", "currentPassword"]);
    if (out) setErrors(out);
  };

  return (
    <AccountFrame title={t("account.changeQuestions")}>
      <div role="status">
        {done && (
          <div class="panel panel--success" id="questions-done">
            <h2 class="panel__title">{t("account.questionsChanged")}</h2>
            <p class="panel__body">{t("account.questionsChangedText")}</p>
            <Link href="/account">{t("account.back")}</Link>
          </div>
        )}
      </div>
      {!done && (
        <>
          <ErrorSummary errors={errors} order={["securityAnswers", "currentPassword", "form"]} />
          <p>{t("account.questionsIntro")}</p>
          <form noValidate onSubmit={submit}>
            <fieldset id={fieldId("securityAnswers")} class="fieldset">
              <legend class="visually-hidden">{t("account.changeQuestions")}</legend>
              <ErrorMessage id={`${fieldId("securityAnswers")}-error`} message={errors.securityAnswers} />
              {answers.map((a, i) => {
                const qField = `securityAnswers.${i}.questionId`;
                const qid = fieldId(qField);
                const taken = new Set(answers.filter((_, j) => j !== i).map((x) => x.questionId));
                return (
                  <fieldset class="fieldset question" key={i}>
                    <legend class="question__legend">{t("questionN", { n: num(i + 1) })}</legend>
                    <div class={`form-group${errors[qField] ? " form-group--error" : ""}`}>
                      <label class="label" for={qid}>
                        {t("fields.securityQuestion")} {num(i + 1)}
                        <span aria-hidden="true"> *</span>
                      </label>
                      <ErrorMessage id={`${qid}-error`} message={errors[qField]} />
                      <select
                        id={qid}
                        class="select select--full"
                        value={a.questionId}
                        aria-invalid={errors[qField] ? "true" : undefined}
                        aria-describedby={errors[qField] ? `${qid}-error` : undefined}
                        aria-required="true"
                        onChange={(ev) => update(i, { questionId: ev.currentTarget.value })}
                      >
                        <option value="">{t("chooseQuestion")}</option>
                        {questions.map((q) => (
                          <option key={q.id} value={q.id} disabled={taken.has(q.id)}>
                            {q.text}
                          </option>
                        ))}
                      </select>
                    </div>
                    <TextField
                      field={`securityAnswers.${i}.answer`}
                      label={`${t("fields.securityAnswer")} ${num(i + 1)}`}
                      value={a.answer}
                      onValue={(answer) => update(i, { answer })}
                      error={errors[`securityAnswers.${i}.answer`]}
                      width="full"
                    />
                    {answers.length > MIN_SECURITY_ANSWERS && (
                      <button
                        type="button"
                        class="link-button"
                        onClick={() => setAnswers(answers.filter((_, j) => j !== i))}
                      >
                        {t("account.removeQuestion", { n: num(i + 1) })}
                      </button>
                    )}
                  </fieldset>
                );
              })}
            </fieldset>
            {answers.length < MAX_SECURITY_ANSWERS && (
              <p>
                <button
                  type="button"
                  class="button button--secondary"
                  onClick={() => setAnswers([...answers, blank()])}
                >
                  {t("account.addQuestion")}
                </button>
              </p>
            )}
            <CurrentPasswordField
              value={current}
              onValue={setCurrent}
              error={errors.currentPassword}
              hint={t("account.reauthText")}
            />
            <SubmitButton label={t("account.saveQuestions")} busy={busy} wait={problemErrors.wait} />
          </form>
        </>
      )}
    </AccountFrame>
  );
}
