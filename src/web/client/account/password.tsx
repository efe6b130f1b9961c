// R-ACCT change password: current password, new password with the live R-PWD checklist and its
// confirmation → POST /api/account/password (204; every other session ends, SMS notice).
import { useState } from "preact/hooks";
import { useI18n } from "../i18n.ts";
import { CHANGE_FIELDS, ChangePasswordForm } from "../password-step.tsx";
import { Link } from "../router.tsx";
import { AccountFrame, useMe, useProblemErrors } from "./common.tsx";

export function ChangePasswordPage() {
  const { t } = useI18n();
  const me = useMe();
  const person = me ? { firstName: me.firstName, lastName: me.lastName, birthDate: me.birthDate } : undefined;
  const problemErrors = useProblemErrors();
  const [done, setDone] = useState(false);

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
        <ChangePasswordForm
          url="/api/account/password"
          submit={t("account.changePasswordSubmit")}
          onDone={() => setDone(true)}
          toErrors={(problem) => problemErrors(problem, CHANGE_FIELDS)}
          wait={problemErrors.wait}
          intro={<p>{t("account.reauthText")}</p>}
          {...(person ? { person } : {})}
        />
      )}
    </AccountFrame>
  );
}
