// The application shell: header with the language switch, the page of the current address, and
// the guide's footer links.
import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Locale } from "../../messages/index.ts";
import { AccountPage } from "./account/account.tsx";
import { accountSubPage } from "./account/pages.tsx";
import { api, setApiLocale } from "./api.ts";
import { FirstPasswordPage } from "./branch/first-password.tsx";
import { OutboxPage } from "./dev/outbox.tsx";
import { HomePage } from "./home.tsx";
import { applyLocale, I18nContext, initialLocale, makeI18n, useI18n } from "./i18n.ts";
import { IdleWarning } from "./login/idle-warning.tsx";
import { LoginPage } from "./login/login.tsx";
import { SsoPage } from "./oidc/sso.tsx";
import { RecoverPage } from "./recovery/recover.tsx";
import { RegisterPage } from "./registration/register.tsx";
import { Link, PageHeading, usePath } from "./router.tsx";
import { StaffConsole } from "./staff/console.tsx";
import { TrackPage } from "./tracking/track.tsx";

// The guide's footer: «سامانه مدیریت کاربران | ثبت نام | پیگیری ثبت نام | فراموشی گذرواژه».
const FOOTER = [
  ["/", "siteName"],
  ["/register", "nav.register"],
  ["/track", "nav.track"],
  ["/recover", "nav.recover"],
] as const;

function Page({ path, outbox }: { path: string; outbox: boolean | null }) {
  const { t } = useI18n();
  if (path === "/") return <HomePage outbox={outbox === true} />;
  if (/^\/register(\/\d)?$/.test(path)) return <RegisterPage path={path} />;
  if (path === "/track") return <TrackPage />;
  if (path === "/login") return <LoginPage />;
  if (path === "/recover") return <RecoverPage />;
  if (path === "/first-password") return <FirstPasswordPage />;
  if (path.startsWith("/account/")) return accountSubPage(path) ?? <AccountPage />;
  if (path === "/account" || path.startsWith("/account/")) return <AccountPage />;
  if (path === "/dev/outbox" && outbox !== false) return outbox ? <OutboxPage /> : null;
  if (path === "/staff" || path.startsWith("/staff/")) return <StaffConsole path={path} />;
  if (/^\/oidc\/interaction\/[\w-]+\/?$/.test(path)) return <SsoPage path={path} />;
  return (
    <div class="narrow">
      <PageHeading title={t("notFound.title")}>{t("notFound.title")}</PageHeading>
      <p>{t("notFound.text")}</p>
      <Link href="/">{t("nav.home")}</Link>
    </div>
  );
}

function CitizenFooter({ outbox }: { outbox: boolean }) {
  const { t } = useI18n();
  return (
    <nav aria-label={t("footerNav")} class="footer__inner">
      <ul class="footer__links">
        {FOOTER.map(([href, key], i) => (
          <li key={href}>
            <Link href={href}>{t(key)}</Link>
            {i < FOOTER.length - 1 && (
              <span class="footer__sep" aria-hidden="true">
                {" | "}
              </span>
            )}
          </li>
        ))}
      </ul>
      {outbox && (
        <p class="footer__dev">
          <Link href="/dev/outbox">{t("nav.outbox")}</Link>
        </p>
      )}
      <p class="footer__org">{t("footerOrg")}</p>
    </nav>
  );
}

/** The console's footer: staff have no use for the citizens' links (and should not send people there). */
function StaffFooter() {
  const { t } = useI18n();
  return (
    <div class="footer__inner" id="staff-footer">
      <p class="footer__org">
        {t("staff.title")} — {t("orgName")}
      </p>
    </div>
  );
}

function App() {
  const [locale, setLocale] = useState<Locale>(initialLocale);
  const [outbox, setOutbox] = useState<boolean | null>(null);
  const path = usePath();
  const i18n = useMemo(() => makeI18n(locale, setLocale), [locale]);
  const { t } = i18n;
  useEffect(() => {
    applyLocale(locale);
    setApiLocale(locale);
  }, [locale]);
  useEffect(() => {
    // The outbox answers only where messages are recorded instead of sent (development).
    api("GET", "/api/dev/outbox?to=-").then((r) => setOutbox(r.ok));
  }, []);
  const other: Locale = locale === "fa" ? "en" : "fa";
  return (
    <I18nContext.Provider value={i18n}>
      <a href="#main" class="skip-link">
        {t("skipToContent")}
      </a>
      <header class="header">
        <div class="header__inner">
          <Link href="/" class="header__brand">
            <span class="header__org">{t("orgName")}</span>
            <span class="header__site">{t("siteName")}</span>
          </Link>
          <button
            type="button"
            class="lang-switch"
            lang={other}
            onClick={() => setLocale(other)}
            aria-label={t("switchLanguageLabel")}
          >
            {t("switchLanguage")}
          </button>
        </div>
      </header>
      <main id="main" class="main">
        <Page path={path} outbox={outbox} />
        {(path === "/account" || path.startsWith("/account/")) && <IdleWarning />}
      </main>
      <footer class="footer">
        {path === "/staff" || path.startsWith("/staff/") ? (
          <StaffFooter />
        ) : (
          <CitizenFooter outbox={outbox === true} />
        )}
      </footer>
    </I18nContext.Provider>
  );
}

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
