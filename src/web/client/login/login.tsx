// R-LOGIN: national ID + password, then the second factor on the same page (R-MFA); or a passkey
// alone, by its button or from the national-ID field's autofill list. An account waiting for a
// branch is told where to go; a lockout says how long to wait.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { parseNationalId } from "../../../domain/national-id.ts";
import { api } from "../api.ts";
import { useWait } from "../code-step.tsx";
import { ErrorSummary, type Errors, NationalIdField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { cancelPasskeyCeremony, passkeysSupported, signInWithPasskey } from "../passkeys/webauthn.ts";
import { Link, navigate, PageHeading } from "../router.tsx";
import { NewMobileStep } from "./account-reset.tsx";
import { CredentialsForm } from "./credentials.tsx";
import {
  loadPending,
  type SecondFactorStart,
  SecondFactorStep,
  savePending,
  secondFactorStart,
} from "./second-factor.tsx";

/** Why the login page is shown after a sign-out: «خروج از سیستم», or minutes without activity. */
let signedOut: { idleMinutes?: number } | null = null;

/**
 * After «خروج از سیستم», or the idle sign-out (idle-warning.tsx) with its minutes: the login page,
 * saying once that the person signed out, and why (issue 21).
 */
export function toLoginSignedOut(idleMinutes?: number) {
  signedOut = idleMinutes ? { idleMinutes } : {};
  navigate("/login");
}

export function LoginPage() {
  const { t, num } = useI18n();
  const [justSignedOut] = useState(() => {
    const shown = signedOut;
    signedOut = null;
    return shown;
  });
  const toAccount = () => navigate("/account");
  const intro = justSignedOut && (
    <div class="panel panel--success" role="status" id="signed-out">
      <h2 class="panel__title">{t("signedOut.title")}</h2>
      <p class="panel__body">
        {justSignedOut.idleMinutes
          ? t("signedOut.idleText", { n: num(justSignedOut.idleMinutes) })
          : t("signedOut.text")}
      </p>
    </div>
  );
  return (
    <SignInForm url="/api/login" onSignedIn={toAccount} onFullSession={toAccount} passkeys intro={intro}>
      <ul class="link-list">
        <li>
          <Link href="/recover">{t("nav.recover")}</Link>
        </li>
        <li>
          <Link href="/register">{t("login.noAccount")}</Link>
        </li>
        <li>
          <Link href="/track">{t("nav.track")}</Link>
        </li>
        <li>
          <Link href="/first-password">{t("login.firstPassword")}</Link>
        </li>
      </ul>
    </SignInForm>
  );
}

/**
 * The citizen sign-in form: Hoviat's own page and an e-service's (oidc/sso.tsx) post to different routes
 * that share one sign-in on the server; the answers, the branch panel and the errors are the same.
 */
export function SignInForm<T>({
  url,
  onSignedIn,
  onFullSession = () => location.reload(),
  passkeys = false,
  intro,
  children,
}: {
  url: string;
  /** The password alone signed the person in (no second factor due): the route's answer. */
  onSignedIn: (data: T) => void;
  /** A second factor or a passkey completed the sign-in (by default the page is asked again). */
  onFullSession?: () => void;
  /** Offers «ورود با کلید عبور» and the passkeys in the national-ID field's autofill list. */
  passkeys?: boolean;
  intro?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const { t } = useI18n();
  const [nationalId, setNationalId] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [branch, setBranch] = useState<string | null>(null);
  const [refused, setRefused] = useState(false);
  const wait = useWait();
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState<SecondFactorStart | null>(null);
  const [newMobile, setNewMobile] = useState(false);
  const [withPasskey] = useState(() => passkeys && passkeysSupported());

  // A reload on the second step comes back to it while the half session lives.
  useEffect(() => {
    const kept = loadPending();
    if (!kept) return;
    api("GET", "/api/me").then((r) => {
      if (!r.ok && r.problem.code === "login.secondFactorRequired") return setPending(kept);
      savePending(null);
      if (r.ok) onFullSession();
    });
  }, []);

  // The browser lists the holder's passkeys under the national-ID field; one picked signs in. Only
  // a passkey picked and refused is worth a message: the list itself is silent when it cannot be.
  const passwordForm = !pending && !newMobile;
  useEffect(() => {
    if (!withPasskey || !passwordForm) return;
    let live = true;
    signInWithPasskey({ autofill: true }).then((r) => {
      if (!live) return;
      if (r.ok) onFullSession();
      else if (r.reason === "problem" && r.stage === "verify")
        setErrors({ form: r.problem.title || t("networkError") });
    });
    return () => {
      live = false;
      cancelPasskeyCeremony();
    };
  }, [withPasskey, passwordForm]);

  const restart = (message: string) => {
    setPending(null);
    setNewMobile(false);
    setPassword("");
    setErrors(message ? { form: message } : {});
  };

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
    const r = await api<T>("POST", url, { nationalId, password });
    setBusy(false);
    if (r.ok) {
      // An account reset that served its wait: the password leads to a new mobile number.
      if ((r.data as { next?: unknown } | null)?.next === "new_mobile") return setNewMobile(true);
      const start = secondFactorStart(r.data);
      if (!start) return onSignedIn(r.data);
      savePending(start);
      setPassword("");
      return setPending(start);
    }
    const p = r.problem;
    // Told after every refused password alike: an account that waits for its first password has
    // none to match, and naming it only for such IDs would tell a stranger which ones they are.
    setRefused(p.status === 401);
    // Awaiting branch activation or locked: told where to go, never signed in.
    if (p.status === 403) return setBranch(p.title);
    const tooMany = wait.tooMany(p);
    if (tooMany) return setErrors({ form: tooMany });
    setErrors({ form: p.title || t("networkError") });
  };

  const passkeyButton = async () => {
    setErrors({});
    setBusy(true);
    const r = await signInWithPasskey();
    setBusy(false);
    if (r.ok) return onFullSession();
    if (r.reason === "problem") return setErrors({ form: r.problem.title || t("networkError") });
    setErrors({ form: t(`passkeys.${r.reason}`) });
  };

  if (pending || newMobile)
    return (
      <div class="narrow">
        <PageHeading title={t(pending ? "mfa.pageTitle" : "reset.newMobileTitle")}>
          {t("nav.login")}
        </PageHeading>
        {intro}
        {pending ? (
          <SecondFactorStep start={pending} onDone={onFullSession} onRestart={restart} offerReset />
        ) : (
          <NewMobileStep onDone={onFullSession} onExpired={restart} />
        )}
      </div>
    );

  return (
    <div class="narrow">
      <PageHeading title={t("nav.login")}>{t("nav.login")}</PageHeading>
      {intro}
      <ErrorSummary errors={errors} order={["nationalId", "password", "form"]} />
      {branch && (
        <div class="panel panel--awaiting_branch_activation" role="alert" id="login-branch">
          <h2 class="panel__title">{t("login.branchTitle")}</h2>
          <p class="panel__body">{branch}</p>
          <p>{t("login.branchText")}</p>
        </div>
      )}
      {refused && (
        <p class="hint" id="login-first-password">
          {t("login.firstPasswordHint")} <Link href="/first-password">{t("firstPassword.title")}</Link>
        </p>
      )}
      <CredentialsForm
        who={
          <NationalIdField
            value={nationalId}
            onValue={setNationalId}
            error={errors.nationalId}
            autocomplete={withPasskey ? "username webauthn" : "username"}
          />
        }
        password={password}
        onPassword={setPassword}
        error={errors.password}
        submit={t("login.submit")}
        busy={busy}
        wait={wait}
        onSubmit={submit}
      />
      {withPasskey && (
        <div class="passkey-signin" id="passkey-signin">
          <p class="passkey-signin__or">{t("passkeys.or")}</p>
          <button type="button" class="button button--secondary" disabled={busy} onClick={passkeyButton}>
            {t("passkeys.signIn")}
          </button>
          <p class="hint">{t("passkeys.signInHint")}</p>
        </div>
      )}
      {children}
    </div>
  );
}
