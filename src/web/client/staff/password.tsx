// The first sign-in's last step: the one-time password an admin handed over is replaced (R-PWD rules).
import { useState } from "preact/hooks";
import { validatePasswordPair } from "../../../domain/password-policy.ts";
import { api } from "../api.ts";
import { loadedBlocklist } from "../blocklist.ts";
import { addError, ErrorSummary, type Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { CurrentPasswordField, NewPasswordFields } from "../password-step.tsx";
import { PageHeading } from "../router.tsx";

export function StaffPasswordPage({ onChanged }: { onChanged: () => void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (current === "") found.currentPassword = t("errors.currentPassword.required");
    for (const err of validatePasswordPair(password, confirmation, { blocklist: loadedBlocklist() }))
      addError(found, err.field, t(`errors.${err.code}`));
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const r = await api("POST", "/api/staff/password", {
      currentPassword: current,
      password,
      passwordConfirmation: confirmation,
    });
    if (r.ok) return onChanged();
    const out: Errors = {};
    for (const fe of r.problem.errors ?? []) addError(out, fe.field, fe.message);
    if (Object.keys(out).length === 0) out.form = r.problem.title || t("networkError");
    setErrors(out);
  };
  return (
    <div class="narrow">
      <PageHeading title={t("staff.password.title")}>{t("staff.password.title")}</PageHeading>
      <p>{t("staff.password.intro")}</p>
      <ErrorSummary errors={errors} order={["currentPassword", "password", "passwordConfirmation", "form"]} />
      <form noValidate onSubmit={submit}>
        <CurrentPasswordField
          value={current}
          onValue={setCurrent}
          error={errors.currentPassword}
          label={t("staff.password.current")}
        />
        <NewPasswordFields
          password={password}
          onPassword={setPassword}
          confirmation={confirmation}
          onConfirmation={setConfirmation}
          errors={errors}
          label={t("account.newPassword")}
          staff
        />
        <button type="submit" class="button">
          {t("staff.password.submit")}
        </button>
      </form>
    </div>
  );
}
