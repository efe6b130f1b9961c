// Where the wizard may be: each step has its own address (/register/1 … /register/6), and a step is
// reached only once the steps before it are complete, so a deep link or a stale history entry lands
// on the first step still to do. Secrets do not count on the way (a reload drops them and returns to
// the same step); the review needs everything, secrets included.
import {
  REGISTRATION_STEPS,
  type RegistrationStep,
  validateRegistrationStep,
} from "../../../domain/registration.ts";
import type { FieldError } from "../../../domain/result.ts";
import { loadedBlocklist } from "../blocklist.ts";
import { canonicalPair, type MobileProof, provedFor } from "./mobile.tsx";
import { isSecretField, type Values } from "./types.ts";

export const REVIEW = REGISTRATION_STEPS.indexOf("review");
export const stepPath = (index: number) => `/register/${index + 1}`;

/** The step an address asks for: /register is the first one; null when it is no step. */
export function stepFromPath(path: string): number | null {
  if (path === "/register" || path === "/register/") return 0;
  const m = /^\/register\/(\d)$/.exec(path);
  const n = m ? Number(m[1]) - 1 : -1;
  return n >= 0 && n < REGISTRATION_STEPS.length ? n : null;
}

export function stepErrors(step: RegistrationStep, v: Values): FieldError[] {
  return validateRegistrationStep(step, v as unknown as Record<string, unknown>, new Date(), {
    blocklist: loadedBlocklist(),
  });
}

/** Step `index` is done: its fields are valid (secrets too when `secrets`), step 1 with its proof. */
export function isComplete(index: number, v: Values, proof: MobileProof, secrets: boolean): boolean {
  const step = REGISTRATION_STEPS[index] as RegistrationStep;
  const errors = stepErrors(step, v).filter((e) => secrets || !isSecretField(e.field));
  if (errors.length > 0) return false;
  return step !== "identity" || provedFor(proof, canonicalPair(v.nationalId, v.mobile)) !== null;
}

/** The step shown for a request: `to`, or the first incomplete step before it. */
export function reachable(to: number, v: Values, proof: MobileProof): number {
  for (let i = 0; i < to; i++) if (!isComplete(i, v, proof, to === REVIEW)) return i;
  return to;
}

/** Back to the review after a change: the first step still incomplete, else the review. */
export function firstIncomplete(v: Values, proof: MobileProof, except: number): number {
  for (let i = 0; i < REVIEW; i++) if (i !== except && !isComplete(i, v, proof, true)) return i;
  return REVIEW;
}
