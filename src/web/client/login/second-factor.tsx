// R-MFA: the sign-in's second step, after the password (a half session): the SMS code by default,
// or the other factors the holder has (`methods`): an authenticator app's code, a backup code, a
// passkey. «این مرورگر را به خاطر بسپار» spares this step in this browser for 30 days.
import { useEffect, useRef, useState } from "preact/hooks";
import { toLatinDigits } from "../../../domain/digits.ts";
import { api } from "../api.ts";
import { CodeStep, cleanCode, SubmitButton, useCodeStep, useWait } from "../code-step.tsx";
import { ErrorSummary, type Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { signInWithPasskey } from "../passkeys/webauthn.ts";
import { AccountResetRequest } from "./account-reset.tsx";

export type Method = "sms" | "totp" | "passkey" | "backup_code";
/** The server's answer to a password that needs a second factor, and when this page got it. */
export type SecondFactorStart = {
  method: Method;
  methods: Method[];
  /** The masked mobile the code went to, when the server tells it. */
  mobile?: string;
  /** When the last SMS code was asked for (ms), for the resend countdown across a reload. */
  smsSentAt?: number;
  /** The SMS caps held the code back: none was sent, a new one may be asked at this time (ms). */
  smsHeldUntil?: number;
};

/** Seconds before a new SMS code may be asked for, unless the server says otherwise (Retry-After). */
export const SMS_RESEND_SECONDS = 60;
const STORE = "hoviat.secondFactor";
const ORDER: Method[] = ["sms", "totp", "passkey", "backup_code"];

/** The step in progress, kept for this tab so that a reload comes back to it (the cookie stays). */
export function savePending(start: SecondFactorStart | null) {
  try {
    if (start) sessionStorage.setItem(STORE, JSON.stringify(start));
    else sessionStorage.removeItem(STORE);
  } catch {
    // Without storage a reload starts again at the password.
  }
}

export function loadPending(): SecondFactorStart | null {
  try {
    const raw = sessionStorage.getItem(STORE);
    const value = raw ? (JSON.parse(raw) as SecondFactorStart) : null;
    return value && ORDER.includes(value.method) && Array.isArray(value.methods) ? value : null;
  } catch {
    return null;
  }
}

/** The answer of a password (or a step-up) that asks for the second factor, as this page keeps it. */
export function secondFactorStart(data: unknown, now = Date.now()): SecondFactorStart | null {
  const d = data as {
    next?: unknown;
    method?: unknown;
    methods?: unknown;
    mobile?: unknown;
    retryAfter?: unknown;
  } | null;
  if (d?.next !== "second_factor") return null;
  const methods = (Array.isArray(d.methods) ? d.methods : []).filter((m): m is Method => ORDER.includes(m));
  const method = ORDER.includes(d.method as Method) ? (d.method as Method) : (methods[0] ?? "sms");
  return {
    method,
    methods: methods.includes(method) ? methods : [method, ...methods],
    ...(typeof d.mobile === "string" ? { mobile: d.mobile } : {}),
    ...(method !== "sms"
      ? {}
      : typeof d.retryAfter === "number"
        ? { smsHeldUntil: now + d.retryAfter * 1000 }
        : { smsSentAt: now }),
  };
}

export function SecondFactorStep(p: {
  start: SecondFactorStart;
  onDone: () => void;
  /** The half session ended (expired, or too many wrong codes): back to the password. */
  onRestart: (message: string) => void;
  /** Offers the account reset to a person who has none of the factors. */
  offerReset?: boolean;
}) {
  const { t, num } = useI18n();
  const [method, setMethod] = useState<Method>(p.start.method);
  const [smsSentAt, setSmsSentAt] = useState(p.start.smsSentAt ?? 0);
  const codeStep = useCodeStep(p.start.smsHeldUntil ?? (p.start.smsSentAt ?? 0) + SMS_RESEND_SECONDS * 1000);
  const { code, setCode } = codeStep;
  const [remember, setRemember] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const wait = useWait();
  const [announcement, setAnnouncement] = useState("");
  const [attempt, setAttempt] = useState(0);
  const [resetting, setResetting] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [method]);
  useEffect(() => {
    const { smsHeldUntil, ...start } = p.start;
    const held = smsSentAt === 0 && smsHeldUntil ? { smsHeldUntil } : {};
    savePending({ ...start, method, ...(smsSentAt ? { smsSentAt } : held) });
  }, [method, smsSentAt]);

  /** The method's name in the messages. */
  const kind = method === "backup_code" ? "backup" : method;
  const others = ORDER.filter((m) => m !== method && p.start.methods.includes(m));
  const mobile = p.start.mobile ? num(p.start.mobile) : "";

  const problem = (status: number, title: string, retryAfter?: number): Errors | null => {
    if (status === 401) {
      savePending(null);
      p.onRestart(t("mfa.expired"));
      return null;
    }
    if (status === 0) return { form: t("networkError") };
    const tooMany = wait.tooMany({ status, title, ...(retryAfter ? { retryAfterSeconds: retryAfter } : {}) });
    if (tooMany) return { form: tooMany };
    return { form: title || t("networkError") };
  };

  const sendSms = async (): Promise<boolean> => {
    setBusy(true);
    const r = await api<{ resendAfterSeconds?: number }>("POST", "/api/login/second-factor/sms");
    setBusy(false);
    if (r.ok) {
      setSmsSentAt(Date.now());
      codeStep.sent(r.data?.resendAfterSeconds ?? SMS_RESEND_SECONDS);
      setErrors({});
      setAnnouncement(t("mfa.smsResent"));
      return true;
    }
    // Too early after all (another tab, a reload): the server's own wait is counted down.
    if (codeStep.held(r.problem)) return smsSentAt > 0;
    const out = problem(r.problem.status, r.problem.title, r.problem.retryAfterSeconds);
    if (out) setErrors(out);
    return false;
  };

  const choose = async (m: Method) => {
    setErrors({});
    setCode("");
    setAnnouncement("");
    setMethod(m);
    if (m === "sms" && smsSentAt === 0) await sendSms();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setAttempt((n) => n + 1);
    if (method === "passkey") return withPasskey();
    // Backup codes keep their dashes; the digits of either script are compared as Latin ones.
    const typed = method === "backup_code" ? toLatinDigits(code).replace(/\s/g, "") : cleanCode(code);
    if (typed === "") return setErrors({ code: t("mfa.codeRequired") });
    setErrors({});
    setBusy(true);
    const r = await api<{ next: string }>("POST", "/api/login/second-factor", {
      method,
      code: typed,
      ...(remember ? { rememberBrowser: true } : {}),
    });
    setBusy(false);
    if (r.ok) {
      savePending(null);
      return p.onDone();
    }
    const wrong =
      r.problem.status === 400 &&
      codeStep.wrong(
        { ...r.problem, title: r.problem.title || t("mfa.wrongCode") },
        "mfa.attemptsLeft",
        t(`mfa.noAttemptsLeft.${method}`),
      );
    if (wrong) return setErrors({ code: wrong });
    const out = problem(r.problem.status, r.problem.title, r.problem.retryAfterSeconds);
    if (out) setErrors(out);
  };

  const withPasskey = async () => {
    setErrors({});
    setBusy(true);
    const r = await signInWithPasskey({ rememberBrowser: remember });
    setBusy(false);
    if (r.ok) {
      savePending(null);
      return p.onDone();
    }
    if (r.reason !== "problem") return setErrors({ form: t(`passkeys.${r.reason}`) });
    const out = problem(r.problem.status, r.problem.title, r.problem.retryAfterSeconds);
    if (out) setErrors(out);
  };

  if (resetting) return <AccountResetRequest onBack={() => setResetting(false)} onExpired={p.onRestart} />;
  return (
    <div id="second-factor">
      <ErrorSummary errors={errors} order={["code", "form"]} focusKey={attempt} />
      <form noValidate onSubmit={submit}>
        <h2 class="step-title" tabIndex={-1} ref={heading}>
          {t("mfa.title")}
        </h2>
        <CodeStep
          state={codeStep}
          sentId="second-factor-intro"
          sent={
            method === "sms"
              ? smsSentAt === 0
                ? t("mfa.sms.held")
                : mobile
                  ? t("mfa.sms.sentTo", { mobile })
                  : t("mfa.sms.sent")
              : t(`mfa.${kind}.intro`)
          }
          ask={method !== "passkey"}
          label={t(`mfa.${kind}.label`)}
          hint={t(`mfa.${kind}.hint`)}
          error={errors.code}
          text={method === "backup_code"}
          webOtp={method === "sms"}
          resend={method === "sms" ? { id: "sms-resend", busy, onResend: sendSms } : undefined}
        />
        <div class="radio form-group">
          <input
            id="f-rememberBrowser"
            type="checkbox"
            checked={remember}
            onChange={(e) => setRemember(e.currentTarget.checked)}
            aria-describedby="f-rememberBrowser-hint"
          />
          <label for="f-rememberBrowser">{t("mfa.remember")}</label>
        </div>
        <p class="hint" id="f-rememberBrowser-hint">
          {t("mfa.rememberHint")}
        </p>
        <SubmitButton
          label={t(method === "passkey" ? "passkeys.signIn" : "mfa.submit")}
          busy={busy}
          wait={wait}
        />
      </form>
      <p class="visually-hidden" role="status">
        {announcement}
      </p>
      {others.length > 0 && (
        <section aria-labelledby="other-methods-title" id="other-methods" class="other-methods">
          <h3 id="other-methods-title">{t("mfa.otherMethods")}</h3>
          <ul class="link-list">
            {others.map((m) => (
              <li key={m}>
                <button type="button" class="link-button" onClick={() => choose(m)}>
                  {t(`mfa.use.${m}`)}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <ul class="link-list">
        {p.offerReset && (
          <li>
            <button type="button" class="link-button" onClick={() => setResetting(true)}>
              {t("mfa.noAccess")}
            </button>
          </li>
        )}
        <li>
          <button
            type="button"
            class="link-button"
            onClick={async () => {
              await api("POST", "/api/logout");
              savePending(null);
              p.onRestart("");
            }}
          >
            {t("mfa.startOver")}
          </button>
        </li>
      </ul>
    </div>
  );
}
