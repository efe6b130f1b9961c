// R-SSO: Hoviat's own pages of an e-service's sign-in (the OIDC interaction at
// /oidc/interaction/{uid}): «ورود به سیستم» with the citizen login, then the consent naming the
// e-service and what it will learn. The server answers each step with where the browser goes next.
import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import { useI18n } from "./i18n.ts";
import { SignInForm } from "./login.tsx";
import { PageHeading } from "./router.tsx";

type State =
  | { prompt: "login"; service: string }
  | { prompt: "consent"; service: string; scopes: string[]; offline: boolean }
  | { redirectTo: string };

const go = (to: string) => location.assign(to);

export function SsoPage({ path }: { path: string }) {
  const { t } = useI18n();
  const base = path.replace(/\/$/, "");
  const [state, setState] = useState<State | null>(null);
  const [expired, setExpired] = useState("");
  useEffect(() => {
    api<State>("GET", `${base}/state`).then((r) => {
      if (!r.ok) return setExpired(r.problem.title || t("networkError"));
      if ("redirectTo" in r.data) return go(r.data.redirectTo);
      setState(r.data);
    });
  }, [base]);

  if (expired)
    return (
      <div class="narrow">
        <PageHeading title={t("sso.expiredTitle")}>{t("sso.expiredTitle")}</PageHeading>
        <p role="alert">{expired}</p>
      </div>
    );
  if (!state || "redirectTo" in state) return <p aria-busy="true">{t("loading")}</p>;
  if (state.prompt === "login") return <SsoLogin base={base} service={state.service} />;
  return <SsoConsent base={base} state={state} />;
}

function SsoLogin({ base, service }: { base: string; service: string }) {
  const { t } = useI18n();
  return (
    <SignInForm<{ redirectTo: string }>
      url={`${base}/login`}
      onSignedIn={(data) => go(data.redirectTo)}
      intro={<p id="sso-service">{t("sso.loginFor", { service })}</p>}
    >
      <ul class="link-list">
        <li>
          <a href="/recover">{t("nav.recover")}</a>
        </li>
        <li>
          <a href="/register">{t("login.noAccount")}</a>
        </li>
      </ul>
    </SignInForm>
  );
}

function SsoConsent({
  base,
  state,
}: {
  base: string;
  state: { service: string; scopes: string[]; offline: boolean };
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const answer = async (step: "consent" | "abort") => {
    setBusy(true);
    const r = await api<{ redirectTo: string }>("POST", `${base}/${step}`);
    if (r.ok) return go(r.data.redirectTo);
    setBusy(false);
    setError(r.problem.title || t("networkError"));
  };
  return (
    <div class="narrow">
      <PageHeading title={t("sso.consentTitle")}>{t("sso.consentTitle")}</PageHeading>
      {error && (
        <p class="error-message" role="alert">
          {error}
        </p>
      )}
      <p id="sso-service">{t("sso.consentIntro", { service: state.service })}</p>
      <ul class="consent-list">
        <li>{t("sso.scope.sub")}</li>
        {state.scopes.map((s) => (
          <li key={s}>{t(`sso.scope.${s}`)}</li>
        ))}
      </ul>
      {state.offline && <p class="notice">{t("sso.offline")}</p>}
      <p class="hint">{t("sso.revokeHint")}</p>
      <div class="button-row">
        <button type="button" class="button" disabled={busy} onClick={() => answer("consent")}>
          {t("sso.allow")}
        </button>
        <button
          type="button"
          class="button button--secondary"
          disabled={busy}
          onClick={() => answer("abort")}
        >
          {t("sso.cancel")}
        </button>
      </div>
    </div>
  );
}
