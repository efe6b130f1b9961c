// R-SSO: Hoviat's own pages of an e-service's sign-in (the OIDC interaction at
// /oidc/interaction/{uid}): «ورود به سیستم» with the citizen login, the second factor (R-MFA), the
// missing factor when the e-service asks more than the sign-in has (step-up: a code, or a passkey for
// a phishing-resistant sign-in), then the consent naming the e-service and what it will learn. The
// server answers each step with the next one or where the browser goes; after a factor the page asks
// the interaction's state again, so the server alone decides when the e-service gets a code.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useI18n } from "../i18n.ts";
import { SignInForm } from "../login/login.tsx";
import {
  type Method,
  type SecondFactorStart,
  SecondFactorStep,
  secondFactorStart,
} from "../login/second-factor.tsx";
import { signInWithPasskey } from "../passkeys/webauthn.ts";
import { PageHeading } from "../router.tsx";

type State =
  | { prompt: "login"; service: string; fresh?: boolean }
  | {
      prompt: "second_factor";
      service: string;
      method?: Method;
      methods: Method[];
      start?: SecondFactorStart;
    }
  | { prompt: "step_up"; service: string; need: "aal2" | "phishing_resistant"; methods: Method[] }
  | { prompt: "consent"; service: string; scopes: string[]; offline: boolean }
  | { redirectTo: string };

const go = (to: string) => location.assign(to);

export function SsoPage({ path }: { path: string }) {
  const { t } = useI18n();
  const base = path.replace(/\/$/, "");
  const [state, setState] = useState<State | null>(null);
  const [expired, setExpired] = useState("");
  const show = (next: State) => {
    if ("redirectTo" in next) return go(next.redirectTo);
    setState(next);
  };
  const refresh = async () => {
    const r = await api<State>("GET", `${base}/state`);
    if (!r.ok) return setExpired(r.problem.title || t("networkError"));
    show(r.data);
  };
  useEffect(() => {
    refresh();
  }, [base]);

  if (expired)
    return (
      <div class="narrow">
        <PageHeading title={t("sso.expiredTitle")}>{t("sso.expiredTitle")}</PageHeading>
        <p role="alert">{expired}</p>
      </div>
    );
  if (!state || "redirectTo" in state) return <p aria-busy="true">{t("loading")}</p>;
  if (state.prompt === "login")
    return (
      <SsoLogin base={base} service={state.service} fresh={!!state.fresh} onNext={show} done={refresh} />
    );
  if (state.prompt === "second_factor")
    return (
      <SecondFactor
        service={state.service}
        // A reload half-way: the code already sent stays good, a new one is a click away.
        start={
          state.start ??
          secondFactorStart({ next: "second_factor", method: state.method, methods: state.methods }, 0)!
        }
        done={refresh}
      />
    );
  if (state.prompt === "step_up")
    return <StepUp key={state.need} state={state} onNext={show} done={refresh} />;
  return <SsoConsent base={base} state={state} />;
}

function SsoLogin({
  base,
  service,
  fresh,
  onNext,
  done,
}: {
  base: string;
  service: string;
  fresh: boolean;
  onNext: (state: State) => void;
  done: () => void;
}) {
  const { t } = useI18n();
  // The form asks the second factor itself when the password step answers second_factor, or signs
  // in with a passkey (both factors); either way the interaction's state is asked again after.
  return (
    <SignInForm<State>
      url={`${base}/login`}
      onSignedIn={onNext}
      onFullSession={done}
      passkeys={!fresh}
      intro={
        <p id="sso-service">
          {t("sso.loginFor", { service })}
          {fresh && ` ${t("sso.freshLogin")}`}
        </p>
      }
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

/** «ورود با کلید عبور»: the browser's passkey dialog, then the server's verdict. */
async function passkeySignIn(): Promise<boolean> {
  return (await signInWithPasskey()).ok;
}

/** The e-service asks more than this sign-in has: the missing factor, asked of the person. */
function StepUp({
  state,
  onNext,
  done,
}: {
  state: Extract<State, { prompt: "step_up" }>;
  onNext: (state: State) => void;
  done: () => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const passkey = state.need === "phishing_resistant";
  const start = async () => {
    setBusy(true);
    setError("");
    if (passkey) {
      const ok = await passkeySignIn();
      setBusy(false);
      return ok ? done() : setError(t("sso.passkeyFailed"));
    }
    // The session becomes a half one: the SMS code is sent now when SMS is the holder's default.
    const r = await api<{ method: Method; methods: Method[] }>("POST", "/api/login/step-up");
    setBusy(false);
    if (!r.ok) return setError(r.problem.title || t("networkError"));
    onNext({
      prompt: "second_factor",
      service: state.service,
      method: r.data.method,
      methods: r.data.methods,
    });
  };
  return (
    <div class="narrow">
      <PageHeading title={t("sso.stepUpTitle")}>{t("sso.stepUpTitle")}</PageHeading>
      {error && (
        <p class="error-message" role="alert">
          {error}
        </p>
      )}
      <p id="sso-service">
        {t(passkey ? "sso.stepUpPasskey" : "sso.stepUpAal2", { service: state.service })}
      </p>
      <div class="button-row">
        <button type="button" class="button" disabled={busy} onClick={start}>
          {passkey ? t("sso.usePasskey") : t("sso.continue")}
        </button>
      </div>
    </div>
  );
}

/**
 * The second step of the sign-in (or of a step-up): the same step as Hoviat's own login page, under
 * the e-service's name. `start` is the server's answer; after a reload (a half session) the state's.
 */
function SecondFactor({
  service,
  start,
  done,
}: {
  service: string;
  start: SecondFactorStart;
  done: () => void;
}) {
  const { t } = useI18n();
  return (
    <div class="narrow">
      <PageHeading title={t("sso.secondFactorTitle")}>{t("sso.secondFactorTitle")}</PageHeading>
      <p id="sso-service">{t("sso.secondFactorFor", { service })}</p>
      <SecondFactorStep start={start} onDone={done} onRestart={done} />
    </div>
  );
}
