// R-REG step 1: «مرحله بعد» sends a code to the mobile; the «کد تایید» field appears on the same step,
// with a resend button behind a countdown and a way to change the number. The right code gives a
// mobileProof for that national ID + mobile, which the final submission carries.
import { parseMobile } from "../../../domain/mobile.ts";
import { parseNationalId } from "../../../domain/national-id.ts";
import { type ApiProblem, api } from "../api.ts";
import { CodeField, ResendButton } from "../code-step.tsx";
import type { Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";

/** Seconds before «ارسال دوباره کد» may be pressed; the server's own limits are per hour and day. */
export const RESEND_SECONDS = 60;

type Pair = { nationalId: string; mobile: string };
export type MobileProof = {
  /** The pair the code was sent for, canonical. */
  sentFor: Pair | null;
  verificationId: string | null;
  code: string;
  proof: { pair: Pair; value: string } | null;
  resendAt: number;
};
export const NO_PROOF: MobileProof = {
  sentFor: null,
  verificationId: null,
  code: "",
  proof: null,
  resendAt: 0,
};

export function canonicalPair(nationalId: string, mobile: string): Pair | null {
  const n = parseNationalId(nationalId);
  const m = parseMobile(mobile);
  return n.ok && m.ok ? { nationalId: n.value, mobile: m.value } : null;
}
const same = (a: Pair | null, b: Pair | null) =>
  a !== null && b !== null && a.nationalId === b.nationalId && a.mobile === b.mobile;

export function provedFor(state: MobileProof, pair: Pair | null): string | null {
  return state.proof && same(state.proof.pair, pair) ? state.proof.value : null;
}
export const codeSentFor = (state: MobileProof, pair: Pair | null) => same(state.sentFor, pair);

type Problemish = { title: string; errors?: { field: string; message: string }[] };
const errorsOf = (p: Problemish, fallback: string, field: string): Errors => {
  const out: Errors = {};
  for (const e of p.errors ?? []) out[e.field] ??= e.message;
  if (Object.keys(out).length === 0) out[field] = p.title || fallback;
  return out;
};

/** Sends a code for the pair; the new state, or the errors to show. */
export async function sendCode(state: MobileProof, pair: Pair, networkError: string) {
  const r = await api<{ verificationId: string }>("POST", "/api/registrations/mobile-verification", pair);
  if (!r.ok) return { errors: errorsOf(r.problem, networkError, "form") };
  const next: MobileProof = {
    ...state,
    sentFor: pair,
    verificationId: r.data.verificationId,
    code: "",
    resendAt: Date.now() + RESEND_SECONDS * 1000,
  };
  return { state: next };
}

/**
 * Confirms the code typed; the state with its proof, or the errors to show. A wrong code says how
 * many tries are left (`wrong` words it: useWrongCode), as every code step does.
 */
export async function confirmCode(
  state: MobileProof,
  networkError: string,
  wrong: (problem: ApiProblem) => string | null,
) {
  const url = `/api/registrations/mobile-verification/${state.verificationId}/confirm`;
  const r = await api<{ mobileProof: string }>("POST", url, { code: state.code });
  if (!r.ok) {
    const message = r.problem.code === "mobileVerification.wrongCode" && wrong(r.problem);
    if (message) return { errors: { code: message } };
    return { errors: errorsOf(r.problem, networkError, "code") };
  }
  return { state: { ...state, proof: { pair: state.sentFor!, value: r.data.mobileProof } } };
}

export function MobileCodeFields(p: {
  state: MobileProof;
  error: string | undefined;
  setCode: (code: string) => void;
  resend: () => void;
  change: () => void;
}) {
  const { t, num } = useI18n();
  return (
    <div class="code-step" id="mobile-code">
      <p role="status">{t("reg.codeSent", { mobile: num(p.state.sentFor?.mobile ?? "") })}</p>
      <CodeField
        label={t("reg.code")}
        hint={t("reg.codeHint")}
        value={p.state.code}
        onValue={p.setCode}
        error={p.error}
      />
      <div class="button-row">
        <ResendButton
          at={p.state.resendAt}
          onResend={p.resend}
          labels={{ resend: "reg.resend", resendIn: "reg.resendIn" }}
        />
        <button type="button" class="button button--secondary" onClick={p.change}>
          {t("reg.changeNumber")}
        </button>
      </div>
    </div>
  );
}
