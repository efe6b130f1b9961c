// The first sign-in's last step: the one-time password an admin handed over is replaced (R-PWD rules).
import type { ApiProblem } from "../api.ts";
import { addError, type Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { ChangePasswordForm } from "../password-step.tsx";
import { PageHeading } from "../router.tsx";

export function StaffPasswordPage({ onChanged }: { onChanged: () => void }) {
  const { t } = useI18n();
  const toErrors = (problem: ApiProblem) => {
    const out: Errors = {};
    for (const fe of problem.errors ?? []) addError(out, fe.field, fe.message);
    if (Object.keys(out).length === 0) out.form = problem.title || t("networkError");
    return out;
  };
  return (
    <div class="narrow">
      <PageHeading title={t("staff.password.title")}>{t("staff.password.title")}</PageHeading>
      <p>{t("staff.password.intro")}</p>
      <ChangePasswordForm
        url="/api/staff/password"
        submit={t("staff.password.submit")}
        onDone={onChanged}
        toErrors={toErrors}
        currentLabel={t("staff.password.current")}
        staff
      />
    </div>
  );
}
