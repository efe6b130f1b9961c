import { useI18n } from "./i18n.ts";
import { Link, PageHeading } from "./router.tsx";

const ENTRIES = [
  ["/login", "nav.login", "home.loginText"],
  ["/register", "nav.register", "home.registerText"],
  ["/track", "nav.track", "home.trackText"],
  ["/recover", "nav.recover", "home.recoverText"],
] as const;

export function HomePage({ outbox }: { outbox: boolean }) {
  const { t } = useI18n();
  return (
    <>
      <PageHeading title={t("siteName")}>{t("siteName")}</PageHeading>
      <p class="lead">{t("home.lead")}</p>
      <ul class="cards">
        {ENTRIES.map(([href, title, text]) => (
          <li class="card" key={href}>
            <h2 class="card__title">
              <Link href={href} class="card__link">
                {t(title)}
              </Link>
            </h2>
            <p class="card__text">{t(text)}</p>
          </li>
        ))}
      </ul>
      <h2>{t("home.servicesTitle")}</h2>
      <p>{t("home.servicesText")}</p>
      {outbox && (
        <p class="dev-note">
          {t("home.devNote")} <Link href="/dev/outbox">{t("nav.outbox")}</Link>
        </p>
      )}
    </>
  );
}
