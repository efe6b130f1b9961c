// The form kit's one-time-code parts, shared by every page that asks for a code (registration's
// mobile proof, recovery, contact changes, the sign-in's second step, the authenticator app's first
// code): the field a phone fills from the SMS, and «ارسال دوباره» behind a countdown.
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
export function CodeField(p: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  field?: string;
  text?: boolean;
  webOtp?: boolean;
}) {
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
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    setNow(Date.now());
    if (at <= Date.now()) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (at <= Date.now()) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [at]);
  return Math.max(0, Math.ceil((at - now) / 1000));
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
  const { t } = useI18n();
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
  return { left, caught, notice };
}
