// R-LOGIN: national ID + password. An account waiting for a branch is told where to go; a lockout
// says how long to wait.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { parseNationalId } from "../../domain/national-id.ts";
import { api } from "./api.ts";
import { ErrorSummary, type Errors, NationalIdField, TextField } from "./form.tsx";
import { useI18n } from "./i18n.ts";
import { Link, navigate, PageHeading } from "./router.tsx";

export function LoginPage() {
  const { t } = useI18n();
  return (
    <SignInForm url="/api/login" onSignedIn={() => navigate("/account")}>
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
      </ul>
    </SignInForm>
  );
}

/**
 * The citizen sign-in form: Hoviat's own page and an e-service's (sso.tsx) post to different routes
 * that share one sign-in on the server; the answers, the branch panel and the errors are the same.
 */
export function SignInForm<T>({
  url,
  onSignedIn,
  intro,
  children,
}: {
  url: string;
  onSignedIn: (data: T) => void;
  intro?: ComponentChildren;
  children?: ComponentChildren;
}) {
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
    const r = await api<T>("POST", url, { nationalId, password });
    setBusy(false);
    if (r.ok) return onSignedIn(r.data);
    const p = r.problem;
    // Awaiting branch activation or locked: told where to go, never signed in.
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
      {intro}
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
      {children}
    </div>
  );
}
