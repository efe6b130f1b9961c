// R-MFA, the account reset for a person who lost every factor (phone, app, backup codes): from the
// second step, «به هیچ‌کدام دسترسی ندارم» explains the 24-hour wait and starts it
// (POST /api/login/account-reset); after it, the password alone leads here to a new mobile number
// (`{next: "new_mobile"}`), proved by a code like any change of mobile: owned → signed in; not owned
// → a branch visit.
import { useEffect, useRef, useState } from "preact/hooks";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { parseMobile } from "../../../domain/mobile.ts";
import { useProblemErrors } from "../account/common.tsx";
import { api } from "../api.ts";
import { CodeStep, cleanCode, SubmitButton, useCodeStep } from "../code-step.tsx";
import { ErrorSummary, type Errors, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";

/** Seconds before another code to the new mobile may be asked for (the server's own limits rule). */
const RESEND_SECONDS = 60;

function useStepFocus(step: unknown) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [step]);
  return heading;
}

/** The account pages' mapping of problems; a 401 here is the half session's end. */
function useProblem(onExpired: (message: string) => void) {
  const { t } = useI18n();
  return useProblemErrors(() => onExpired(t("mfa.expired")));
}

/** «به هیچ‌کدام دسترسی ندارم»: what the reset is, then its start; `onBack` returns to the factors. */
export function AccountResetRequest({
  onBack,
  onExpired,
}: {
  onBack: () => void;
  onExpired: (message: string) => void;
}) {
  const { t, locale } = useI18n();
  const problem = useProblem(onExpired);
  const [readyAt, setReadyAt] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const heading = useStepFocus(readyAt);
  const start = async () => {
    setBusy(true);
    const r = await api<{ readyAt: string }>("POST", "/api/login/account-reset");
    setBusy(false);
    if (r.ok) return setReadyAt(r.data.readyAt);
    const out = problem(r.problem);
    if (out) setErrors(out);
  };
  if (readyAt)
    return (
      <div class="panel panel--pending" id="account-reset" role="status">
        <h2 class="panel__title" tabIndex={-1} ref={heading}>
          {t("reset.startedTitle")}
        </h2>
        <p class="panel__body">
          {t("reset.startedText", { when: formatJalaliDateTime(new Date(readyAt), locale) })}
        </p>
        <p>{t("reset.cancelNotice")}</p>
      </div>
    );
  return (
    <div id="account-reset">
      <ErrorSummary errors={errors} />
      <h2 class="step-title" tabIndex={-1} ref={heading}>
        {t("reset.title")}
      </h2>
      <p>{t("reset.intro")}</p>
      <ol class="bullets">
        <li>{t("reset.how1")}</li>
        <li>{t("reset.how2")}</li>
        <li>{t("reset.how3")}</li>
      </ol>
      <p class="notice">{t("reset.branch")}</p>
      <div class="button-row">
        <button
          type="button"
          class="button button--warning"
          disabled={busy || problem.wait.left > 0}
          onClick={start}
        >
          {t("reset.start")}
        </button>
        <button type="button" class="button button--secondary" onClick={onBack}>
          {t("reset.back")}
        </button>
      </div>
      {problem.wait.notice}
    </div>
  );
}

type Step = "mobile" | "code" | "pending_branch";

/** After the wait: the new mobile, its code, then signed in (owned) or told to visit a branch. */
export function NewMobileStep({
  onDone,
  onExpired,
}: {
  onDone: () => void;
  onExpired: (message: string) => void;
}) {
  const { t, num } = useI18n();
  const problem = useProblem(onExpired);
  const [step, setStep] = useState<Step>("mobile");
  const [mobile, setMobile] = useState("");
  const [sentTo, setSentTo] = useState("");
  const codeStep = useCodeStep();
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const heading = useStepFocus(step);

  const send = async (value: string) => {
    setBusy(true);
    const r = await api("POST", "/api/login/account-reset/mobile", { mobile: value });
    setBusy(false);
    if (!r.ok) {
      if (step === "code") codeStep.held(r.problem);
      const out = problem(r.problem, ["mobile"]);
      if (out) setErrors(out);
      return false;
    }
    setSentTo(value);
    codeStep.sent(RESEND_SECONDS);
    setErrors({});
    return true;
  };
  const submitMobile = async (e: Event) => {
    e.preventDefault();
    const parsed = parseMobile(mobile);
    if (!parsed.ok) return setErrors({ mobile: t(`errors.${parsed.code}`) });
    if (await send(parsed.value)) setStep("code");
  };
  const submitCode = async (e: Event) => {
    e.preventDefault();
    const typed = cleanCode(codeStep.code);
    if (typed === "") return setErrors({ code: t("errors.code.required") });
    setBusy(true);
    const r = await api<{ status: "applied" | "pending_branch" }>(
      "POST",
      "/api/login/account-reset/mobile/verify",
      {
        code: typed,
      },
    );
    setBusy(false);
    if (r.ok) return r.data.status === "applied" ? onDone() : setStep("pending_branch");
    const wrong = r.problem.status === 400 && codeStep.wrong(r.problem, "mfa.attemptsLeft");
    if (wrong) return setErrors({ code: wrong });
    const out = problem(r.problem, ["code"]);
    if (out) setErrors(out);
  };

  if (step === "pending_branch")
    return (
      <div class="panel panel--awaiting_branch_activation" id="account-reset" role="status">
        <h2 class="panel__title" tabIndex={-1} ref={heading}>
          {t("account.pending.title")}
        </h2>
        <p class="panel__body">{t("account.pending.text", { value: num(sentTo) })}</p>
        <p>{t("account.pending.next")}</p>
      </div>
    );
  return (
    <div id="account-reset">
      <ErrorSummary errors={errors} order={["mobile", "code", "form"]} />
      <h2 class="step-title" tabIndex={-1} ref={heading}>
        {t("reset.newMobileTitle")}
      </h2>
      {step === "mobile" ? (
        <form noValidate onSubmit={submitMobile}>
          <p>{t("reset.newMobileIntro")}</p>
          <TextField
            field="mobile"
            label={t("account.new.mobile")}
            hint={t("account.mobileHint")}
            value={mobile}
            onValue={setMobile}
            error={errors.mobile}
            type="tel"
            numeric
            autocomplete="tel"
            dir="ltr"
          />
          <SubmitButton label={t("account.sendCode")} busy={busy} wait={problem.wait} />
        </form>
      ) : (
        <form noValidate onSubmit={submitCode}>
          <CodeStep
            state={codeStep}
            sentId="code-sent"
            sent={t("account.codeSent.mobile", { to: num(sentTo) })}
            error={errors.code}
            resend={{ busy, onResend: () => send(sentTo) }}
          />
          <SubmitButton label={t("account.verify")} busy={busy} wait={problem.wait} />
        </form>
      )}
    </div>
  );
}
