// R-ACCT change password: current password, new password with the live R-PWD checklist and its
// confirmation → POST /api/account/password (204; every other session ends, SMS notice).
import { useState } from "preact/hooks";
import { validatePasswordPair } from "../../../domain/password-policy.ts";
import { api } from "../api.ts";
import { loadedBlocklist } from "../blocklist.ts";
import { addError, ErrorSummary, type Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { CurrentPasswordField, NewPasswordFields } from "../password-step.tsx";
import { Link } from "../router.tsx";
import { AccountFrame, useMe, useProblemErrors } from "./common.tsx";

const FIELDS = ["currentPassword", "password", "passwordConfirmation"];

export function ChangePasswordPage() {
  const { t } = useI18n();
  const me = useMe();
  const person = me ? { firstName: me.firstName, lastName: me.lastName, birthDate: me.birthDate } : undefined;
  const problemErrors = useProblemErrors();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (current === "") found.currentPassword = t("errors.currentPassword.required");
    for (const err of validatePasswordPair(password, confirmation, {
      ...person,
      blocklist: loadedBlocklist(),
    }))
      addError(found, err.field, t(`errors.${err.code}`));
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const body = { currentPassword: current, password, passwordConfirmation: confirmation };
    const r = await api("POST", "/api/account/password", body);
    setBusy(false);
    if (r.ok) {
      setCurrent("");
      setPassword("");
      setConfirmation("");
      setDone(true);
      return;
    }
    const out = problemErrors(r.problem, FIELDS);
    if (out) setErrors(out);
  };

  return (
    <AccountFrame title={t("account.changePassword")}>
      <div role="status">
        {done && (
          <div class="panel panel--success" id="password-done">
            <h2 class="panel__title">{t("account.passwordChanged")}</h2>
            <p class="panel__body">{t("account.passwordChangedText")}</p>
            <Link href="/account">{t("account.back")}</Link>
          </div>
        )}
      </div>
      {!done && (
        <>
          <ErrorSummary errors={errors} order={[...FIELDS, "form"]} />
          <p>{t("account.reauthText")}</p>
          <form noValidate onSubmit={submit}>
            <CurrentPasswordField value={current} onValue={setCurrent} error={errors.currentPassword} />
            <NewPasswordFields
              password={password}
              onPassword={setPassword}
              confirmation={confirmation}
              onConfirmation={setConfirmation}
              errors={errors}
              {...(person ? { person } : {})}
              label={t("account.newPassword")}
            />
            <button type="submit" class="button" disabled={busy || problemErrors.wait.left > 0}>
              {t("account.changePasswordSubmit")}
            </button>
            {problemErrors.wait.notice}
          </form>
        </>
      )}
    </AccountFrame>
  );
}
