// R-SSO: Hoviat's own pages of an e-service's sign-in (the OIDC interaction at
// /oidc/interaction/{uid}): «ورود به سیستم» with the citizen login, then the consent naming the
// e-service and what it will learn. The server answers each step with where the browser goes next.
import { useEffect, useState } from "preact/hooks";
import { parseNationalId } from "../../domain/national-id.ts";
import { api } from "./api.ts";
import { ErrorSummary, type Errors, NationalIdField, TextField } from "./form.tsx";
import { useI18n } from "./i18n.ts";
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
  const { t, num } = useI18n();
  const [nationalId, setNationalId] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [branch, setBranch] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    const id = parseNationalId(nationalId);
    if (!id.ok) found.nationalId = t(`errors.${id.code}`);
    if (password === "") found.password = t("errors.password.required");
    setErrors(found);
    setBranch(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const r = await api<{ redirectTo: string }>("POST", `${base}/login`, { nationalId, password });
    if (r.ok) return go(r.data.redirectTo);
    setBusy(false);
    const p = r.problem;
    // Awaiting branch activation or locked: no code for the e-service, and the way to a branch.
    if (p.status === 403) return setBranch(p.title);
    if (p.status === 429) {
      const minutes = Math.max(1, Math.ceil((p.retryAfterSeconds ?? 60) / 60));
      return setErrors({ form: `${p.title} ${t("login.waitMinutes", { n: num(minutes) })}` });
    }
    setErrors({ form: p.title || t("networkError") });
  };

  return (
    <div class="narrow">
      <PageHeading title={t("nav.login")}>{t("nav.login")}</PageHeading>
      <p id="sso-service">{t("sso.loginFor", { service })}</p>
      <ErrorSummary errors={errors} order={["nationalId", "password", "form"]} />
      {branch && (
        <div class="panel panel--awaiting_branch_activation" role="alert" id="login-branch">
          <h2 class="panel__title">{t("login.branchTitle")}</h2>
          <p class="panel__body">{branch}</p>
          <p>{t("login.branchText")}</p>
        </div>
      )}
      <form noValidate onSubmit={submit}>
        <NationalIdField
          value={nationalId}
          onValue={setNationalId}
          error={errors.nationalId}
          autocomplete="username"
        />
        <TextField
          field="password"
          label={t("fields.password")}
          value={password}
          onValue={setPassword}
          error={errors.password}
          type="password"
          autocomplete="current-password"
          width="short"
          dir="ltr"
        />
        <button type="submit" class="button" disabled={busy}>
          {t("login.submit")}
        </button>
      </form>
      <ul class="link-list">
        <li>
          <a href="/recover">{t("nav.recover")}</a>
        </li>
        <li>
          <a href="/register">{t("login.noAccount")}</a>
        </li>
      </ul>
    </div>
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
