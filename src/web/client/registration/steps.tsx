// The fields and the guide's notices of each wizard step, and the review of everything entered.
import { useEffect, useState } from "preact/hooks";
import { parseJalaliDate } from "../../../domain/jalali-date.ts";
import type { RegistrationStep } from "../../../domain/registration.ts";
import { type Errors, fieldId, Notice, Radios, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { NewPasswordFields } from "../password-step.tsx";
import { JalaliDateField } from "./date-picker.tsx";
import type { Answer, Question, Values } from "./types.ts";

type Props = {
  step: RegistrationStep;
  values: Values;
  errors: Errors;
  questions: Question[];
  set: (field: string, value: unknown) => void;
  blur: (field: string) => void;
  /** «تغییر» on the review: to that step, then straight back to the review. */
  change: (index: number) => void;
};

/** Phones: the width below which styles/narrow.css applies. */
const NARROW = "(max-width: 40em)";
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW).matches);
  useEffect(() => {
    const query = window.matchMedia(NARROW);
    const update = () => setNarrow(query.matches);
    query.addEventListener("change", update);
    return () => query.removeEventListener("change", update);
  }, []);
  return narrow;
}

function Notes({ numbers }: { numbers: number[] }) {
  const { t } = useI18n();
  return (
    <Notice title={t("reg.notesTitle")}>
      <ul class="notes">
        {numbers.map((n) => (
          <li key={n}>{t(`reg.note${n}`)}</li>
        ))}
      </ul>
    </Notice>
  );
}

export function StepFields(p: Props) {
  const { t } = useI18n();
  const { values: v, errors: e } = p;
  const text = (field: keyof Values, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField
      field={field}
      label={t(`fields.${field}`)}
      value={v[field] as string}
      onValue={(value) => p.set(field, value)}
      onBlur={() => p.blur(field)}
      error={e[field]}
      {...extra}
    />
  );
  switch (p.step) {
    case "identity":
      return (
        <>
          <p>{t("reg.identityIntro")}</p>
          {text("nationalId", { numeric: true, hint: t("nationalIdHint"), width: "short", dir: "ltr" })}
          {text("mobile", {
            type: "tel",
            hint: t("mobileHint"),
            autocomplete: "tel-national",
            width: "short",
            dir: "ltr",
          })}
          <Notes numbers={[4]} />
        </>
      );
    case "birthCertificate":
      return (
        <>
          <Notice title={t("reg.noticeTitle")}>
            <p>{t("reg.registryNotice")}</p>
          </Notice>
          {text("lastName", { autocomplete: "family-name" })}
          {text("firstName", { autocomplete: "given-name" })}
          <Radios
            field="gender"
            legend={t("fields.gender")}
            options={["male", "female"].map((g) => ({ value: g, label: t(`genders.${g}`) }))}
            value={v.gender}
            onValue={(value) => p.set("gender", value)}
            error={e.gender}
            inline
          />
          {text("birthCertificateNumber", {
            numeric: true,
            hint: t("birthCertificateHint"),
            width: "short",
            dir: "ltr",
          })}
          <JalaliDateField
            field="birthDate"
            label={t("fields.birthDate")}
            value={v.birthDate}
            onValue={(value) => p.set("birthDate", value)}
            onBlur={() => p.blur("birthDate")}
            error={e.birthDate}
          />
          <Notes numbers={[1, 2]} />
        </>
      );
    case "email":
      return (
        <>
          <p>{t("reg.emailIntro")}</p>
          {text("email", { type: "email", autocomplete: "email", dir: "ltr", hint: t("emailHint") })}
          <Notes numbers={[4]} />
        </>
      );
    case "securityQuestions":
      return <SecurityQuestions {...p} />;
    case "password":
      return <PasswordStep {...p} />;
    case "review":
      return <Review {...p} />;
  }
}

// On a phone the six notices would push the password field far down: there they come after the
// fields, folded into a <details>; on a wide screen they stay open above the fields.
function PasswordStep(p: Props) {
  const { t } = useI18n();
  const v = p.values;
  const narrow = useNarrow();
  const bullets = (
    <ul class="bullets">
      {[1, 2, 3, 4, 5, 6].map((n) => (
        <li key={n}>{t(`reg.passwordNotice${n}`)}</li>
      ))}
    </ul>
  );
  return (
    <>
      {!narrow && <Notice title={t("reg.noticeTitle")}>{bullets}</Notice>}
      <p>{t("reg.passwordIntro")}</p>
      <NewPasswordFields
        password={v.password}
        onPassword={(value) => p.set("password", value)}
        confirmation={v.passwordConfirmation}
        onConfirmation={(value) => p.set("passwordConfirmation", value)}
        onBlur={p.blur}
        errors={p.errors}
        hint={t("passwordHint")}
        person={{
          nationalId: v.nationalId,
          mobile: v.mobile,
          firstName: v.firstName,
          lastName: v.lastName,
          birthDate: v.birthDate,
        }}
        personKnown
      />
      {narrow && (
        <details class="notice notice--folded" id="password-notices">
          <summary class="notice__title">{t("reg.passwordNoticesSummary")}</summary>
          {bullets}
        </details>
      )}
    </>
  );
}

function SecurityQuestions(p: Props) {
  const { t, num } = useI18n();
  const answers = p.values.securityAnswers;
  const update = (i: number, patch: Partial<Answer>) =>
    p.set(
      "securityAnswers",
      answers.map((a, j) => (j === i ? { ...a, ...patch } : a)),
    );
  return (
    <>
      <p>{t("reg.securityIntro")}</p>
      <Notes numbers={[3]} />
      {answers.map((a, i) => {
        const qField = `securityAnswers.${i}.questionId`;
        const qid = fieldId(qField);
        const taken = new Set(answers.filter((_, j) => j !== i).map((x) => x.questionId));
        return (
          <fieldset class="fieldset question" key={i}>
            <legend class="question__legend">{t("questionN", { n: i + 1 })}</legend>
            <div class={`form-group${p.errors[qField] ? " form-group--error" : ""}`}>
              <label class="label" for={qid}>
                {t("fields.securityQuestion")} {num(i + 1)}
                <span aria-hidden="true"> *</span>
              </label>
              {p.errors[qField] && (
                <p id={`${qid}-error`} class="error-message">
                  <span class="visually-hidden">{t("errorPrefix")} </span>
                  {p.errors[qField]}
                </p>
              )}
              <select
                id={qid}
                class="select select--full"
                value={a.questionId}
                aria-invalid={p.errors[qField] ? "true" : undefined}
                aria-describedby={p.errors[qField] ? `${qid}-error` : undefined}
                aria-required="true"
                onChange={(ev) => update(i, { questionId: ev.currentTarget.value })}
              >
                <option value="">{t("chooseQuestion")}</option>
                {p.questions.map((q) => (
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
              onBlur={() => p.blur(`securityAnswers.${i}.answer`)}
              error={p.errors[`securityAnswers.${i}.answer`]}
              width="full"
            />
          </fieldset>
        );
      })}
      {p.errors.securityAnswers && <p class="error-message">{p.errors.securityAnswers}</p>}
    </>
  );
}

function Review(p: Props) {
  const { t, num } = useI18n();
  const v = p.values;
  const question = (id: string) => p.questions.find((q) => q.id === id)?.text ?? id;
  // «۱۲ تیر ۱۳۶۵», however it was typed (issue 21: «۱۳۶۵۰۴۱۲» was shown as typed).
  const date = parseJalaliDate(v.birthDate, new Date());
  const birthDate = date.ok
    ? `${num(date.value.jd)} ${t(`month${date.value.jm}`)} ${num(date.value.jy)}`
    : num(v.birthDate);
  const rows: [string, string, number][] = [
    [t("fields.nationalId"), num(v.nationalId), 0],
    [t("fields.mobile"), num(v.mobile), 0],
    [t("fields.lastName"), v.lastName, 1],
    [t("fields.firstName"), v.firstName, 1],
    [t("fields.gender"), v.gender ? t(`genders.${v.gender}`) : "", 1],
    [t("fields.birthCertificateNumber"), num(v.birthCertificateNumber), 1],
    [t("fields.birthDate"), birthDate, 1],
    [t("fields.email"), v.email, 2],
    ...v.securityAnswers.map((a): [string, string, number] => [question(a.questionId), a.answer, 3]),
    [t("fields.password"), "••••••••", 4],
  ];
  return (
    <>
      <p>{t("reg.reviewIntro")}</p>
      <dl class="summary-list">
        {rows.map(([label, value, step], i) => (
          <div class="summary-list__row" key={i}>
            <dt class="summary-list__key">{label}</dt>
            <dd class="summary-list__value">
              <bdi>{value}</bdi>
            </dd>
            <dd class="summary-list__action">
              <button type="button" class="link-button" onClick={() => p.change(step)}>
                {t("change")}
                <span class="visually-hidden"> {label}</span>
              </button>
            </dd>
          </div>
        ))}
      </dl>
    </>
  );
}
