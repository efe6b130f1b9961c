// Issue 21: after «خروج از سیستم» the person is told they signed out, instead of landing on the login
// form with no word about it.
import { useI18n } from "./i18n.ts";
import { Link, PageHeading } from "./router.tsx";

export function SignedOutPage() {
  const { t } = useI18n();
  return (
    <div class="narrow">
      <PageHeading title={t("signedOut.title")}>{t("signedOut.title")}</PageHeading>
      <div class="panel panel--success" role="status" id="signed-out">
        <p class="panel__body">{t("signedOut.text")}</p>
      </div>
      <ul class="link-list">
        <li>
          <Link href="/login">{t("signedOut.again")}</Link>
        </li>
        <li>
          <Link href="/">{t("nav.home")}</Link>
        </li>
      </ul>
    </div>
  );
}
