// After a branch activation (decision 007): the person sets the first password on their own phone with
// the code the branch's activation sent by SMS to the mobile proved at the desk.
import { useState } from "preact/hooks";
import { type ApiProblem, api } from "../api.ts";
import { CodeField, useWait } from "../code-step.tsx";
import { ErrorSummary, type Errors, NationalIdField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { NewPasswordFields, useNewPassword } from "../password-step.tsx";
import { Link, PageHeading } from "../router.tsx";

export function FirstPasswordPage() {
  const { t } = useI18n();
  const [nationalId, setNationalId] = useState("");
  const [code, setCode] = useState("");
  const newPassword = useNewPassword();
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState(false);
  const [resent, setResent] = useState(false);
  const wait = useWait();
  const problemErrors = (p: ApiProblem) => {
    wait.caught(p);
    const out: Errors = {};
    for (const e of p.errors ?? []) out[e.field] ??= e.message;
    if (Object.keys(out).length === 0) out.form = p.title || t("networkError");
    return out;
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { nationalId, code, ...newPassword.body };
    const r = await api("POST", "/api/first-password", body);
    if (r.ok) return setDone(true);
    setErrors(problemErrors(r.problem));
  };
  const resend = async () => {
    const r = await api("POST", "/api/first-password/code", { nationalId });
    if (r.ok) return setResent(true);
    setErrors(problemErrors(r.problem));
  };
  if (done) {
    return (
      <div class="narrow">
        <PageHeading title={t("firstPassword.title")}>{t("firstPassword.title")}</PageHeading>
        <div class="panel panel--success" role="status">
          <p class="panel__body" id="first-password-done">
            {t("firstPassword.done")}
          </p>
        </div>
        <Link href="/login">{t("nav.login")}</Link>
      </div>
    );
  }
  return (
    <div class="narrow">
      <PageHeading title={t("firstPassword.title")}>{t("firstPassword.title")}</PageHeading>
      <p>{t("firstPassword.intro")}</p>
      <ErrorSummary
        errors={errors}
        order={["nationalId", "code", "password", "passwordConfirmation", "form"]}
      />
      <form noValidate onSubmit={submit}>
        <NationalIdField value={nationalId} onValue={setNationalId} error={errors.nationalId} />
        <CodeField label={t("firstPassword.code")} value={code} onValue={setCode} error={errors.code} />
        <NewPasswordFields {...newPassword.fields} errors={errors} person={{ nationalId }} />
        <div class="button-row">
          <button type="submit" class="button" disabled={wait.left > 0}>
            {t("firstPassword.submit")}
          </button>
          <button type="button" class="button button--secondary" disabled={wait.left > 0} onClick={resend}>
            {t("firstPassword.resend")}
          </button>
        </div>
        {wait.notice}
        {resent && <p role="status">{t("firstPassword.resent")}</p>}
      </form>
    </div>
  );
}
