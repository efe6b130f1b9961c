// The wizard's last page: the guide's success message, what happens next, and where to follow it.
import { useI18n } from "../i18n.ts";
import { Link, PageHeading } from "../router.tsx";

export function RegistrationDone({ message }: { message: string }) {
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
