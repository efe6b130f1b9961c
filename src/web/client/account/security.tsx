// R-MFA on the account page: «ورود دومرحله‌ای» at /account/security. The factors the holder has
// (GET /api/account/factors): SMS on or off, authenticator apps, passkeys, backup codes, and the
// second factor itself where SECOND_FACTOR=optional lets the holder choose. Each change proves the
// holder (holder-proof.tsx); each section is its own file (factors/totp, factors/backup-codes, passkeys/section).
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.ts";
import { BackupCodesSection } from "../factors/backup-codes.tsx";
import type { Factors, SectionProps } from "../factors/parts.tsx";
import { TotpSection } from "../factors/totp.tsx";
import { Announcer } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PasskeysSection } from "../passkeys/section.tsx";
import { AccountFrame, useMe, useProblemErrors } from "./common.tsx";
import { useHolderProof } from "./holder-proof.tsx";

export function SecurityPage() {
  const { t } = useI18n();
  const me = useMe();
  const problemErrors = useProblemErrors();
  const { proved, prompt } = useHolderProof();
  const [factors, setFactors] = useState<Factors | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const errorRef = useRef<HTMLParagraphElement>(null);
  const reload = async () => {
    const r = await api<Factors>("GET", "/api/account/factors");
    if (r.ok) setFactors(r.data);
    else {
      const out = problemErrors(r.problem, []);
      if (out) setError(out.form ?? "");
    }
  };
  useEffect(() => {
    reload();
  }, []);
  useEffect(() => {
    if (error) errorRef.current?.focus();
  }, [error]);
  const props: SectionProps | null = factors && {
    factors,
    reload,
    proved,
    done: (m) => {
      setError("");
      setMessage(m);
    },
    failed: (problem) => {
      setMessage("");
      if (!problem) return setError("");
      const out = problemErrors(problem, []);
      if (out) setError(Object.values(out).join(" "));
    },
  };

  return (
    <AccountFrame title={t("security.title")}>
      <p>{t("security.intro")}</p>
      <Announcer message={message} />
      {error && (
        <p class="error-message" role="alert" id="security-error" tabIndex={-1} ref={errorRef}>
          {error}
        </p>
      )}
      {problemErrors.wait.notice}
      {prompt}
      {!props && !error && <p aria-busy="true">{t("loading")}</p>}
      {props && (
        <>
          <SecondFactorSwitch {...props} />
          <SmsSection {...props} mobile={me?.mobile ?? ""} />
          <PasskeysSection {...props} />
          <TotpSection {...props} />
          <BackupCodesSection {...props} />
        </>
      )}
    </AccountFrame>
  );
}

/** SECOND_FACTOR=optional: the holder turns the second step on or off; required: it is told so. */
function SecondFactorSwitch({ factors, reload, proved, done, failed }: SectionProps) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const { required, on } = factors.secondFactor;
  const toggle = async () => {
    setBusy(true);
    const r = await proved(t(on ? "security.switch.turnOff" : "security.switch.turnOn"), (proof) =>
      api("PUT", "/api/account/second-factor", { on: !on, ...proof }),
    );
    setBusy(false);
    if (!r?.ok) return failed(r?.problem ?? null);
    await reload();
    done(t(on ? "security.switch.offDone" : "security.switch.onDone"));
  };
  return (
    <section aria-labelledby="switch-title" id="second-factor-switch">
      <h2 id="switch-title">{t("security.switch.title")}</h2>
      <p class="factor-status">
        {required ? t("security.switch.required") : t(on ? "security.switch.on" : "security.switch.off")}
      </p>
      {!required && (
        <button
          type="button"
          class={on ? "button button--warning" : "button"}
          disabled={busy}
          onClick={toggle}
        >
          {t(on ? "security.switch.turnOff" : "security.switch.turnOn")}
        </button>
      )}
    </section>
  );
}

/** SMS as a factor: on by default; off only once a passkey or an app stands in for it. */
function SmsSection({ factors, reload, proved, done, failed, mobile }: SectionProps & { mobile: string }) {
  const { t, num } = useI18n();
  const [busy, setBusy] = useState(false);
  const enabled = factors.sms.enabled;
  const canTurnOff = factors.passkeys.length > 0 || factors.totp.length > 0;
  const toggle = async () => {
    setBusy(true);
    const r = await proved(t(enabled ? "security.sms.turnOff" : "security.sms.turnOn"), (proof) =>
      api("PUT", "/api/account/second-factor/sms", { enabled: !enabled, ...proof }),
    );
    setBusy(false);
    if (!r?.ok) return failed(r?.problem ?? null);
    await reload();
    done(t(enabled ? "security.sms.offDone" : "security.sms.onDone"));
  };
  return (
    <section aria-labelledby="sms-title" id="sms-factor">
      <h2 id="sms-title">{t("security.sms.title")}</h2>
      <p class="factor-status">
        {enabled ? t("security.sms.on", { mobile: num(mobile) }) : t("security.sms.off")}
      </p>
      {enabled && !canTurnOff && (
        <p class="hint" id="sms-off-hint">
          {t("security.sms.offNeedsOther")}
        </p>
      )}
      <button
        type="button"
        class={enabled ? "button button--secondary" : "button"}
        disabled={busy || (enabled && !canTurnOff)}
        aria-describedby={enabled && !canTurnOff ? "sms-off-hint" : undefined}
        onClick={toggle}
      >
        {t(enabled ? "security.sms.turnOff" : "security.sms.turnOn")}
      </button>
    </section>
  );
}
