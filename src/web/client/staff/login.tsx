// Staff sign-in: username and password, then the 6-digit code of the authenticator app or a passkey;
// or a passkey alone. At the first sign-in the app's secret is shown to be added to the app (in groups
// of four, and as its otpauth:// link).
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { CodeField, SubmitButton, useWait } from "../code-step.tsx";
import { ErrorSummary, type Errors, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { CredentialsForm } from "../login/credentials.tsx";
import { PageHeading } from "../router.tsx";
import { signInWithStaffPasskey } from "./passkeys.tsx";

type Step = {
  next: "totp" | "enrol";
  methods?: ("totp" | "passkey")[];
  enrolment?: { secret: string; otpauthUri: string; qrSvg: string };
};

export function StaffLogin({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useI18n();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<Step | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const wait = useWait();

  const problem = (p: {
    status: number;
    title: string;
    retryAfterSeconds?: number;
    errors?: { field: string; message: string }[];
  }) => {
    const out: Errors = {};
    for (const e of p.errors ?? []) out[e.field] ??= e.message;
    if (Object.keys(out).length === 0) out.form = wait.tooMany(p) ?? (p.title || t("networkError"));
    setErrors(out);
  };

  const submitPassword = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (username.trim() === "") found.username = t("errors.staff.username.required");
    if (password === "") found.password = t("errors.password.required");
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const r = await api<Step>("POST", "/api/staff/login", { username, password });
    setBusy(false);
    if (!r.ok) return problem(r.problem);
    setPassword("");
    setStep(r.data);
  };

  const submitCode = async (e: Event) => {
    e.preventDefault();
    if (code.trim() === "") return setErrors({ code: t("errors.code.required") });
    setBusy(true);
    const r = await api("POST", "/api/staff/login/totp", { code });
    setBusy(false);
    if (r.ok) return onSignedIn();
    if (r.problem.status === 401) {
      setStep(null);
      setCode("");
    }
    problem(r.problem);
  };

  const usePasskey = async () => {
    setBusy(true);
    const result = await signInWithStaffPasskey(t("networkError"));
    setBusy(false);
    if (result === true) return onSignedIn();
    setErrors(result);
  };
  const passkeyButton = (label: string) => (
    <p>
      <button
        type="button"
        class="button button--secondary"
        id="staff-passkey"
        disabled={busy || wait.left > 0}
        onClick={usePasskey}
      >
        {t(label)}
      </button>
    </p>
  );

  if (!step)
    return (
      <div class="narrow">
        <PageHeading title={t("staff.login.title")}>{t("staff.login.title")}</PageHeading>
        <p>{t("staff.login.intro")}</p>
        <ErrorSummary errors={errors} order={["username", "password", "form"]} />
        <CredentialsForm
          who={
            <TextField
              field="username"
              label={t("staff.username")}
              value={username}
              onValue={setUsername}
              error={errors.username}
              autocomplete="username"
              width="short"
              dir="ltr"
            />
          }
          password={password}
          onPassword={setPassword}
          error={errors.password}
          submit={t("staff.login.submit")}
          busy={busy}
          wait={wait}
          onSubmit={submitPassword}
        />
        {passkeyButton("staff.login.passkey")}
      </div>
    );

  const enrol = step.next === "enrol" ? step.enrolment : undefined;
  return (
    <div class="narrow">
      <PageHeading title={t(enrol ? "staff.enrol.title" : "staff.totp.title")}>
        {t(enrol ? "staff.enrol.title" : "staff.totp.title")}
      </PageHeading>
      <ErrorSummary errors={errors} order={["code", "form"]} />
      {enrol && (
        <section class="panel" aria-labelledby="enrol-title">
          <h2 id="enrol-title" class="panel__title">
            {t("staff.enrol.steps")}
          </h2>
          <ol class="bullets">
            <li>{t("staff.enrol.step1")}</li>
            <li>
              {t("staff.enrol.scan")}
              <p>
                <img
                  id="totp-qr"
                  src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrol.qrSvg)}`}
                  alt={t("staff.enrol.qrAlt")}
                  width={200}
                  height={200}
                />
              </p>
              {t("staff.enrol.step2")}
              <p class="panel__body" dir="ltr" lang="en" id="totp-secret">
                <code>{enrol.secret}</code>
              </p>
            </li>
            <li>{t("staff.enrol.step3")}</li>
          </ol>
          <details>
            <summary>{t("staff.enrol.uri")}</summary>
            <p dir="ltr" lang="en" class="session__device">
              <code id="totp-uri">{enrol.otpauthUri}</code>
            </p>
          </details>
        </section>
      )}
      <form noValidate onSubmit={submitCode}>
        <CodeField
          label={t("staff.totp.label")}
          hint={t("staff.totp.hint")}
          value={code}
          onValue={setCode}
          error={errors.code}
        />
        <SubmitButton label={t("staff.totp.submit")} busy={busy} wait={wait} />
      </form>
      {step.methods?.includes("passkey") && passkeyButton("staff.totp.passkey")}
    </div>
  );
}
