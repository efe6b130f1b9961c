// R-ACCT change mobile / email: current password + the new contact → POST /api/account/{kind} (202,
// a code goes to the new contact) → the code → POST /api/account/{kind}/verify → `applied` (the
// profile shows it) or `pending_branch` (a mobile the ownership registry does not tie to the person
// waits for a branch visit with the original national card and birth certificate).
import { useState } from "preact/hooks";
import { parseEmail } from "../../../domain/email.ts";
import { maskMobile, parseMobile } from "../../../domain/mobile.ts";
import { api } from "../api.ts";
import { CodeStep, cleanCode, SubmitButton, useCodeStep } from "../code-step.tsx";
import { Announcer, ErrorSummary, type Errors, TextField, useSteps } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { CurrentPasswordField } from "../password-step.tsx";
import { Link } from "../router.tsx";
import { AccountFrame, useMe, useProblemErrors } from "./common.tsx";

type Kind = "mobile" | "email";
type Step = "form" | "code" | "applied" | "pending_branch";

export function ChangeContactPage({ kind }: { kind: Kind }) {
  const { t, num } = useI18n();
  const me = useMe();
  const problemErrors = useProblemErrors();
  const { step, go: goTo, heading } = useSteps<Step>("form");
  const [current, setCurrent] = useState("");
  const [value, setValue] = useState("");
  const [sentTo, setSentTo] = useState("");
  const codeStep = useCodeStep();
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const go = (to: Step) => {
    setErrors({});
    goTo(to);
  };
  const shown = (v: string) => (kind === "mobile" ? num(v) : v);

  const request = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (current === "") found.currentPassword = t("errors.currentPassword.required");
    const parsed = kind === "mobile" ? parseMobile(value) : parseEmail(value);
    if (!parsed.ok) found[kind] = t(`errors.${parsed.code}`);
    setErrors(found);
    if (!parsed.ok || Object.keys(found).length > 0) return;
    setBusy(true);
    const r = await api("POST", `/api/account/${kind}`, { currentPassword: current, [kind]: parsed.value });
    setBusy(false);
    if (!r.ok) {
      const out = problemErrors(r.problem, ["currentPassword", kind]);
      if (out) setErrors(out);
      return;
    }
    setSentTo(parsed.value);
    setCurrent("");
    codeStep.setCode("");
    go("code");
  };

  const verify = async (e: Event) => {
    e.preventDefault();
    const digits = cleanCode(codeStep.code);
    if (digits === "") return setErrors({ code: t("errors.code.required") });
    setErrors({});
    setBusy(true);
    const r = await api<{ status: "applied" | "pending_branch" }>("POST", `/api/account/${kind}/verify`, {
      code: digits,
    });
    setBusy(false);
    if (r.ok) return go(r.data.status === "pending_branch" ? "pending_branch" : "applied");
    const p = r.problem;
    if (p.code === "account.wrongCode")
      return setErrors({ code: codeStep.wrong(p, "account.attemptsLeft") ?? p.title });
    const out = problemErrors(p, ["code"]);
    if (out) setErrors(out);
  };

  const title = t(kind === "mobile" ? "account.changeMobile" : "account.changeEmail");
  const announce = step === "code" ? t(`account.codeSent.${kind}`, { to: shown(sentTo) }) : "";
  return (
    <AccountFrame title={title}>
      <Announcer message={announce} />
      {step === "form" && (
        <>
          <ErrorSummary errors={errors} order={[kind, "currentPassword", "form"]} />
          <form noValidate onSubmit={request}>
            <h2 class="step-title" tabIndex={-1} ref={heading}>
              <span class="step-title__count">{t("stepCount", { n: 1, total: 2 })}</span>
              {t(`account.${kind}Step1`)}
            </h2>
            {me && (
              <p id="contact-current">
                {t(`account.current.${kind}`)} <bdi dir="ltr">{shown(me[kind])}</bdi>
              </p>
            )}
            <p>{t(`account.${kind}Intro`)}</p>
            <TextField
              field={kind}
              label={t(`account.new.${kind}`)}
              hint={t(kind === "mobile" ? "account.mobileHint" : "emailHint")}
              value={value}
              onValue={setValue}
              error={errors[kind]}
              type={kind === "mobile" ? "tel" : "email"}
              numeric={kind === "mobile"}
              autocomplete={kind === "mobile" ? "tel" : "email"}
              width={kind === "mobile" ? "medium" : "full"}
              dir="ltr"
            />
            <CurrentPasswordField
              value={current}
              onValue={setCurrent}
              error={errors.currentPassword}
              hint={t("account.reauthText")}
            />
            <SubmitButton label={t("account.sendCode")} busy={busy} wait={problemErrors.wait} />
          </form>
        </>
      )}
      {step === "code" && (
        <>
          <ErrorSummary errors={errors} order={["code", "form"]} />
          <form noValidate onSubmit={verify}>
            <h2 class="step-title" tabIndex={-1} ref={heading}>
              <span class="step-title__count">{t("stepCount", { n: 2, total: 2 })}</span>
              {t("account.codeStep")}
            </h2>
            <CodeStep
              state={codeStep}
              sentId="code-sent"
              sent={t(`account.codeSent.${kind}`, { to: shown(sentTo) })}
              hint={t("account.codeHint")}
              error={errors.code}
            />
            <div class="button-row">
              <button type="submit" class="button" disabled={busy || problemErrors.wait.left > 0}>
                {t("account.verify")}
              </button>
              <button type="button" class="button button--secondary" onClick={() => go("form")}>
                {t(`account.startOver.${kind}`)}
              </button>
            </div>
            {problemErrors.wait.notice}
          </form>
        </>
      )}
      {step === "applied" && (
        <div class="panel panel--success" id="contact-result" role="status">
          <h2 class="panel__title" tabIndex={-1} ref={heading}>
            {t(`account.applied.${kind}`)}
          </h2>
          <p class="panel__body">
            {t(`account.appliedText.${kind}`, {
              value: shown(kind === "mobile" ? maskMobile(sentTo) : sentTo),
            })}
          </p>
          <Link href="/account">{t("account.back")}</Link>
        </div>
      )}
      {step === "pending_branch" && (
        <div class="panel panel--awaiting_branch_activation" id="contact-result" role="status">
          <h2 class="panel__title" tabIndex={-1} ref={heading}>
            {t("account.pending.title")}
          </h2>
          <p class="panel__body">{t("account.pending.text", { value: shown(sentTo) })}</p>
          <p>{t("account.pending.next")}</p>
          <p>{t("account.pending.other")}</p>
          <div class="button-row">
            <Link href="/account" class="button">
              {t("account.back")}
            </Link>
            <button type="button" class="button button--secondary" onClick={() => go("form")}>
              {t("account.pending.again")}
            </button>
          </div>
        </div>
      )}
    </AccountFrame>
  );
}
