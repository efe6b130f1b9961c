// The form kit's one-time-code parts, shared by every page that asks for a code (registration's
// mobile proof, recovery, contact changes, the sign-in's second step, the authenticator app's first
// code): the field a phone fills from the SMS, «ارسال دوباره» behind a countdown, the step that holds
// them, and a wrong code's tries left.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { toLatinDigits } from "../../domain/digits.ts";
import { TextField } from "./form.tsx";
import { useI18n } from "./i18n.ts";

/** What a code field holds, as the server compares it: Latin digits, no spaces or dashes. */
export const cleanCode = (typed: string) => toLatinDigits(typed).replace(/[\s\-‐-―]/g, "");

/**
 * A one-time code: digits of either script, read left to right, the keypad on a phone and the
 * browser's "from Messages" suggestion (`one-time-code`). `text` is for codes with letters (backup
 * codes). `webOtp` also asks the WebOTP API, where there is one, for the code of an SMS that ends
 * with the `@host #code` line, and fills the field with it.
 */
type CodeFieldProps = {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  field?: string;
  text?: boolean;
  webOtp?: boolean;
};

export function CodeField(p: CodeFieldProps) {
  useWebOtp(p.webOtp === true, p.onValue);
  return (
    <TextField
      field={p.field ?? "code"}
      label={p.label}
      {...(p.hint ? { hint: p.hint } : {})}
      value={p.value}
      onValue={p.onValue}
      error={p.error}
      numeric={!p.text}
      width="short"
      dir="ltr"
      autocomplete={p.text ? "off" : "one-time-code"}
    />
  );
}

type OtpCredential = Credential & { code: string };

function useWebOtp(active: boolean, fill: (code: string) => void) {
  useEffect(() => {
    if (!active || !("OTPCredential" in window)) return;
    const abort = new AbortController();
    const options = { otp: { transport: ["sms"] }, signal: abort.signal } as CredentialRequestOptions;
    navigator.credentials
      .get(options)
      .then((credential) => {
        const code = (credential as OtpCredential | null)?.code;
        if (code) fill(code);
      })
      // Aborted when the step ends, refused by the person, or no such SMS came: the field is typed.
      .catch(() => {});
    return () => abort.abort();
  }, [active]);
}

/** Whole seconds left until `at` (a time in ms), ticking every second; 0 once it passed. */
export function useSecondsLeft(at: number): number {
  // A tick a second re-renders; the time is read at each render, so the first render after a new `at`
  // counts from now, not from the last tick (which showed a wait a second or two longer than it was).
  const [, setTick] = useState(0);
  useEffect(() => {
    if (at <= Date.now()) return;
    const timer = setInterval(() => {
      setTick((n) => n + 1);
      if (at <= Date.now()) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [at]);
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * «ارسال دوباره» that waits for the server's cooldown, counted down on the button itself in the
 * interface's digits, and comes back by itself when it is over. `labels` are the keys of the button
 * and of its countdown (`{seconds}`).
 */
export function ResendButton(p: {
  at: number;
  busy?: boolean;
  onResend: () => void;
  labels: { resend: string; resendIn: string };
}) {
  const { t, num } = useI18n();
  const left = useSecondsLeft(p.at);
  return (
    <button
      type="button"
      class="button button--secondary"
      disabled={left > 0 || p.busy === true}
      onClick={p.onResend}
    >
      {left > 0 ? t(p.labels.resendIn, { seconds: num(left) }) : t(p.labels.resend)}
    </button>
  );
}

/**
 * A code step's body: where the code went (`sent`), the code's field (`ask={false}` where the step
 * asks for none, as a passkey), and «ارسال دوباره» where a new code may be asked for. `state` is
 * the step's useCodeStep; the field is labelled «کد احراز هویت» unless `label` says otherwise.
 */
export function CodeStep(p: {
  state: { code: string; setCode: (code: string) => void; resendAt: number };
  sent: ComponentChildren;
  sentId?: string;
  error: string | undefined;
  label?: string;
  hint?: string;
  text?: boolean;
  webOtp?: boolean;
  ask?: boolean;
  resend?:
    | { onResend: () => void; busy?: boolean; id?: string; labels?: { resend: string; resendIn: string } }
    | undefined;
}) {
  const { t } = useI18n();
  const resend = p.resend;
  return (
    <>
      <p id={p.sentId}>{p.sent}</p>
      {p.ask !== false && (
        <CodeField
          label={p.label ?? t("recover.codeLabel")}
          {...(p.hint ? { hint: p.hint } : {})}
          value={p.state.code}
          onValue={p.state.setCode}
          error={p.error}
          text={p.text === true}
          webOtp={p.webOtp === true}
        />
      )}
      {resend && (
        <p id={resend.id}>
          <ResendButton
            at={p.state.resendAt}
            busy={resend.busy === true}
            onResend={resend.onResend}
            labels={resend.labels ?? { resend: "mfa.resend", resendIn: "mfa.resendIn" }}
          />
        </p>
      )}
    </>
  );
}

type Refusal = {
  status: number;
  title: string;
  code?: string;
  retryAfterSeconds?: number;
  body: Record<string, unknown>;
};

/**
 * A code step's state: the code typed, when «ارسال دوباره» comes back, and a wrong code's message
 * (useWrongCode).
 * `resendAt` starts at `firstResendAt` (a time in ms; 0: at once).
 */
export function useCodeStep(firstResendAt = 0) {
  const wrong = useWrongCode();
  const [code, setCode] = useState("");
  const [resendAt, setResendAt] = useState(firstResendAt);
  return {
    code,
    setCode,
    resendAt,
    /** A code went out: the field is emptied and «ارسال دوباره» waits `seconds`. */
    sent(seconds: number) {
      setCode("");
      setResendAt(Date.now() + seconds * 1000);
    },
    /** A new code refused as too early (another tab, a reload): the server's own wait counts down. */
    held(problem: Refusal) {
      if (problem.status !== 429 || !problem.retryAfterSeconds || problem.code === "challenge_required")
        return false;
      setResendAt(Date.now() + problem.retryAfterSeconds * 1000);
      return true;
    },
    wrong,
  };
}

/**
 * A wrong code's message: the server's words and the tries it counts left (`attemptsLeft`, worded
 * by `key`); null when it counts none. `ended`, when given, replaces the count once none is left.
 */
export function useWrongCode() {
  const { t, num } = useI18n();
  return (problem: Refusal, key: string, ended?: string): string | null => {
    const left = Number(problem.body.attemptsLeft);
    if (!Number.isFinite(left)) return null;
    const more = left > 0 || ended === undefined ? t(key, { n: num(left) }) : ended;
    const title = problem.title || t("networkError");
    return more ? `${title} ${more}` : title;
  };
}

/** «۱ دقیقه و ۵ ثانیه», «۴۵ ثانیه»: a wait in words, in the interface's digits. */
export function useWaitText() {
  const { t, num } = useI18n();
  return (seconds: number) => {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    if (m === 0) return t("wait.seconds", { s: num(s) });
    return s === 0 ? t("wait.minutes", { m: num(m) }) : t("wait.minutesSeconds", { m: num(m), s: num(s) });
  };
}

/**
 * A 429's Retry-After, counted down (issue 21: every wait has a time). `caught` takes a failed call
 * and starts the countdown when it is such a wait; `left` disables the page's button until it is
 * over, and `notice` says how long in Persian, then goes away by itself.
 */
export function useWait() {
  const { t, num } = useI18n();
  const words = useWaitText();
  const [until, setUntil] = useState(0);
  const left = useSecondsLeft(until);
  const caught = (problem: { status: number; code?: string; retryAfterSeconds?: number }) => {
    if (problem.status !== 429 || problem.code === "challenge_required" || !problem.retryAfterSeconds)
      return false;
    setUntil(Date.now() + problem.retryAfterSeconds * 1000);
    return true;
  };
  const notice =
    left > 0 ? (
      <p class="wait-notice" id="wait-notice">
        {t("wait.countdown", { time: words(left) })}
      </p>
    ) : null;
  /**
   * A 429's message: the server's words, and the minutes to wait where no countdown says it (a wait
   * without Retry-After); null for any other answer.
   */
  const tooMany = (problem: { status: number; title: string; code?: string; retryAfterSeconds?: number }) => {
    if (problem.status !== 429) return null;
    if (caught(problem)) return problem.title || t("networkError");
    const minutes = Math.max(1, Math.ceil((problem.retryAfterSeconds ?? 60) / 60));
    return `${problem.title} ${t("login.waitMinutes", { n: num(minutes) })}`;
  };
  return { left, caught, tooMany, notice };
}

/** A form's submit button, disabled while its call is out or a 429's wait counts down, and that wait. */
export function SubmitButton(p: {
  label: string;
  busy: boolean;
  wait: { left: number; notice: ComponentChildren };
}) {
  return (
    <>
      <button type="submit" class="button" disabled={p.busy || p.wait.left > 0}>
        {p.label}
      </button>
      {p.wait.notice}
    </>
  );
}
