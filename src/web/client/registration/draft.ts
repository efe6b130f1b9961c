// The wizard's draft, in sessionStorage only: it lives as long as the tab, survives a reload (a call,
// a tab the phone's browser dropped) and is cleared on success or «انصراف». Secrets are never
// written: the password, its repeat, the security answers and the SMS code are asked again.
import { type MobileProof, NO_PROOF } from "./mobile.tsx";
import { type Answer, EMPTY, type Values, withoutSecrets } from "./types.ts";

const KEY = "hoviat.registration";

export type Draft = {
  values: Values;
  proof: MobileProof;
  /** «تغییر» was pressed on the review: «مرحله بعد» goes back to it. */
  returning: boolean;
  /** Steps (0-based) whose secrets had been typed and are to be asked again, with a note. */
  secretSteps: number[];
};

/** Steps whose secrets are typed in these values. */
export function stepsWithSecrets(v: Values, proof: MobileProof): number[] {
  const steps: number[] = [];
  if (proof.code !== "" && !proof.proof) steps.push(0);
  if (v.securityAnswers.some((a) => a.answer !== "")) steps.push(3);
  if (v.password !== "" || v.passwordConfirmation !== "") steps.push(4);
  return steps;
}

export function saveDraft(draft: Draft) {
  const stored: Draft = {
    ...draft,
    values: withoutSecrets(draft.values),
    proof: { ...draft.proof, code: "" },
  };
  try {
    sessionStorage.setItem(KEY, JSON.stringify(stored));
  } catch {
    // Storage refused (private mode, quota): the wizard still works, only a reload loses it.
  }
}

export function clearDraft() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was stored.
  }
}

const isString = (x: unknown): x is string => typeof x === "string";
const isAnswer = (x: unknown): x is Answer =>
  typeof x === "object" && x !== null && isString((x as Answer).questionId) && isString((x as Answer).answer);

/** The stored draft, or null when there is none or it is not one this version wrote. */
export function loadDraft(): Draft | null {
  let raw: unknown;
  try {
    raw = JSON.parse(sessionStorage.getItem(KEY) ?? "null");
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const d = raw as Partial<Draft>;
  const v = d.values as Partial<Values> | undefined;
  if (!v || typeof v !== "object") return null;
  const fields = Object.keys(EMPTY).filter((k) => k !== "securityAnswers") as (keyof Values)[];
  if (!fields.every((k) => isString(v[k]))) return null;
  if (!Array.isArray(v.securityAnswers) || !v.securityAnswers.every(isAnswer)) return null;
  const p = d.proof;
  const proof: MobileProof =
    p && typeof p === "object" && typeof p.resendAt === "number" ? { ...NO_PROOF, ...p, code: "" } : NO_PROOF;
  return {
    values: withoutSecrets(v as Values),
    proof,
    returning: d.returning === true,
    secretSteps: Array.isArray(d.secretSteps) ? d.secretSteps.filter((n) => typeof n === "number") : [],
  };
}
