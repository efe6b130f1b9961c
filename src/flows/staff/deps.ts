// What the console's routes need, in a module of its own: the staff, branch and admin routes all
// import it, and none of them has to import another's routes for a type (no import circle).
import type { Challenges } from "../../platform/challenge.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import type { Jobs } from "../../platform/jobs.ts";
import type { ThrottleStore } from "../../platform/throttle.ts";
import type { RelyingParty } from "../passkeys/webauthn.ts";
import type { StaffSessionPolicy } from "./sessions.ts";

export type StaffRouteDeps = {
  db: Db;
  jobs: Jobs;
  clock: Clock;
  rateLimits: boolean;
  throttles: ThrottleStore;
  challenges: Challenges;
  /** The current SECRET_KEY (new code HMACs, new TOTP seals). */
  secretKey: string;
  /** Every key of SECRET_KEY, newest first (old codes and seals still open). */
  secretKeys: readonly string[];
  codeMinutes: number;
  /** The host of PUBLIC_URL, for the WebOTP line of code SMS. */
  otpHost: string;
  /** PUBLIC_URL: links in messages (the first-password page). */
  publicUrl: string;
  cookieSecure: boolean;
  policy: StaffSessionPolicy;
  fourEyes: boolean;
  scope: "branch" | "national";
  /** Staff passkeys are bound to the same site as citizens' (PUBLIC_URL). */
  relyingParty: RelyingParty;
};
