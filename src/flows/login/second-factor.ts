// The second step of a citizen sign-in (R-MFA): which factors the holder has, whether one is due, and
// completing a half session with an SMS code, an authenticator app or a backup code. A passkey completes
// it through the passkey routes. Every try is reserved before anything is compared.
import { type Aal, type Amr, levelOf, withMethods } from "../../domain/authentication-level.ts";
import { SignInAttempts, type SignInPolicy } from "../../platform/attempts.ts";
import type { Challenges } from "../../platform/challenge.ts";
import type { Config } from "../../platform/config.ts";
import { type Db, prepared } from "../../platform/database.ts";
import { cleanCode } from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, Unauthorized } from "../../platform/problems.ts";
import { recordEvent, recordSignInFailure } from "../account/security-events.ts";
import { spendBackupCode } from "../factors/backup-codes.ts";
import { rememberBrowser, useRememberedBrowser } from "../factors/remembered-browsers.ts";
import { verifyTotpSignIn } from "../factors/totp-factors.ts";
import { resetOpen } from "./account-reset.ts";
import { type ResolvedSession, replaceSession, type SessionPolicy, type SessionProof } from "./sessions.ts";
import { guessSignInCode, type SignInCodeDeps } from "./sign-in-codes.ts";

export type Method = "sms" | "totp" | "passkey" | "backup_code";
/** In this order in `methods`; the default is the first of DEFAULT_ORDER the holder has. */
const METHODS: readonly Method[] = ["sms", "totp", "passkey", "backup_code"];
const DEFAULT_ORDER: readonly Method[] = ["sms", "passkey", "totp", "backup_code"];

/** What the account-reset flow (and later ones) do when the holder signs in fully. */
export type FullSignInHook = (db: Db, accountId: string, now: Date) => Promise<void>;

export type SecondFactorSettings = {
  /** SECOND_FACTOR: `required` for everyone, or `optional` (holders who turned it on). */
  mode: "required" | "optional";
  secretKey: string;
  secretKeys: readonly string[];
  codeMinutes: number;
  webOtpHost: string;
  /** Run after a full sign-in of a holder whose account reset is open (the sign-in cancels it). */
  onFullSignIn: FullSignInHook[];
};

export function secondFactorSettings(
  config: Config,
  onFullSignIn: FullSignInHook[] = [],
): SecondFactorSettings {
  return {
    mode: config.secondFactor,
    secretKey: config.secretKey,
    secretKeys: config.secretKeys,
    codeMinutes: config.codeValidityMinutes,
    // WebOTP binds a code to a host (no scheme, no port).
    webOtpHost: new URL(config.publicUrl).hostname,
    onFullSignIn,
  };
}

/** Wrong app or backup codes per account: as the password's, challenges past the allowance. */
export const SECOND_FACTOR_POLICY: SignInPolicy = {
  allowance: 5,
  cap: 100,
  windowMs: 24 * 3_600_000,
  capCode: "login.secondFactorLocked",
};
/** One scope for the route's address guard and the account's attempts: one solution serves both. */
export const SECOND_FACTOR_SCOPE = "second-factor";

export type Factors = {
  mobile: string;
  nationalId: string;
  /** SECOND_FACTOR=optional: the holder turned two-step sign-in on. */
  on: boolean;
  methods: Method[];
  method: Method;
  /** An account reset of the holder is open: a full sign-in cancels it (runFullSignInHooks). */
  resetOpen: boolean;
};

/** The holder's factors in one read. An account with none usable (never stored so) falls back to SMS. */
export async function factorsOf(db: Db, accountId: string): Promise<Factors> {
  const read = db
    .selectFrom("accounts as a")
    .select((eb) => [
      "a.mobile",
      "a.national_id",
      "a.sms_second_factor",
      "a.second_factor_on",
      eb
        .exists(
          eb
            .selectFrom("totp_factors")
            .select("id")
            .whereRef("account_id", "=", "a.id")
            .where("confirmed_at", "is not", null),
        )
        .as("totp"),
      eb
        .exists(
          eb
            .selectFrom("passkeys")
            .select("id")
            .where("owner_kind", "=", "account")
            .whereRef("owner_id", "=", "a.id"),
        )
        .as("passkey"),
      eb
        .exists(
          eb
            .selectFrom("backup_codes")
            .select("id")
            .whereRef("account_id", "=", "a.id")
            .where("used_at", "is", null),
        )
        .as("backup_code"),
      resetOpen(eb),
    ])
    .where("a.id", "=", accountId)
    .compile();
  // Every sign-in by password asks it (and each second factor): prepared by name (decision 014).
  const row = (await db.executeQuery(prepared("login.factors", read))).rows[0];
  if (!row) throw new Error(`no account ${accountId}`);
  const has: Record<Method, boolean> = {
    sms: row.sms_second_factor,
    totp: Boolean(row.totp),
    passkey: Boolean(row.passkey),
    backup_code: Boolean(row.backup_code),
  };
  if (!has.sms && !has.totp && !has.passkey) has.sms = true;
  const methods = METHODS.filter((m) => has[m]);
  const method = DEFAULT_ORDER.find((m) => has[m])!;
  return {
    mobile: row.mobile,
    nationalId: row.national_id,
    on: row.second_factor_on,
    methods,
    method,
    resetOpen: Boolean(row.reset_open),
  };
}

export type SignInDecision =
  | { stage: "full"; proof: SessionProof; resetOpen: boolean }
  | { stage: "second_factor"; proof: SessionProof; factors: Factors };

/**
 * After a right password: a full session when no factor is due (SECOND_FACTOR=optional and the holder
 * did not turn it on; or this browser was remembered for this account, when it may stand in), else a
 * half session and the holder's factors.
 */
export async function decideSignIn(
  db: Db,
  settings: SecondFactorSettings,
  accountId: string,
  now: Date,
  device: { token: string | undefined; counts: boolean },
): Promise<SignInDecision> {
  const factors = await factorsOf(db, accountId);
  if (settings.mode === "optional" && !factors.on) {
    return { stage: "full", proof: { stage: "full", amr: ["pwd"], aal: 1 }, resetOpen: factors.resetOpen };
  }
  if (device.counts && (await useRememberedBrowser(db, accountId, device.token, now))) {
    const proof: SessionProof = { stage: "full", amr: ["pwd"], aal: levelOf(["pwd"], true) };
    return { stage: "full", proof, resetOpen: factors.resetOpen };
  }
  return { stage: "second_factor", proof: { stage: "second_factor", amr: ["pwd"], aal: 1 }, factors };
}

export type CompleteDeps = SignInCodeDeps & {
  sessions: SessionPolicy;
  challenges: Challenges;
  settings: SecondFactorSettings;
};

type Client = { ip: string | null; userAgent: string | null };

const AMR_OF: Record<Exclude<Method, "passkey">, Amr> = { sms: "sms", totp: "otp", backup_code: "otp" };

/**
 * Completes the half session `half` with a code: a new full session in its place (with amr and
 * level merged), and a remembered browser when asked. `400 {attemptsLeft}` for a wrong code.
 */
export async function completeSecondFactor(
  deps: CompleteDeps,
  half: ResolvedSession,
  body: { method?: unknown; code?: unknown; rememberBrowser?: unknown },
  client: Client,
  solvedLevel: number,
): Promise<{ token: string; expiresAt: Date; device: { token: string; expiresAt: Date } | null }> {
  const method = body.method;
  if (method !== "sms" && method !== "totp" && method !== "backup_code") {
    throw new InvalidInput([{ field: "method", code: "secondFactor.method" }]);
  }
  const typed =
    method === "backup_code" ? (typeof body.code === "string" ? body.code : "") : cleanCode(body.code);
  if (!typed) throw new InvalidInput([{ field: "code", code: "code.required" }]);
  const factors = await factorsOf(deps.db, half.accountId);
  if (!factors.methods.includes(method)) throw new Problem(400, "login.methodUnavailable");
  const now = deps.clock.now();

  // A wrong code is a failed sign-in in the holder's security events (summarised by the hour): someone
  // who has the password. Written before the answer: the holder, not a stranger, is answered here.
  const failed = () => recordSignInFailure(deps.db, half.accountId, client, now, "code");
  if (method === "sms") {
    const guess = await guessSignInCode(deps, half.idHash, typed);
    if (guess.outcome === "wrong") {
      await failed();
      throw new Problem(400, "login.wrongCode", { attemptsLeft: guess.attemptsLeft });
    }
    if (guess.outcome === "spent") {
      await failed();
      throw new Problem(400, "login.codeSpent", { attemptsLeft: 0 });
    }
  } else {
    // App and backup codes: reserved per account before the comparison, challenges past the allowance.
    const attempts = new SignInAttempts(
      { store: deps.throttles, clock: deps.clock, challenges: deps.challenges },
      SECOND_FACTOR_POLICY,
      SECOND_FACTOR_SCOPE,
    );
    const attempt = deps.rateLimits
      ? await attempts.reserve(`second-factor:${half.accountId}`, solvedLevel)
      : null;
    const right =
      method === "totp"
        ? await verifyTotpSignIn(deps.db, half.accountId, typed, deps.secretKeys, now)
        : await spendBackupCode(deps.db, half.accountId, deps.secretKeys, typed, now);
    if (!right) {
      await failed();
      const attemptsLeft = Math.max(0, SECOND_FACTOR_POLICY.allowance - (attempt?.count ?? 0));
      throw new Problem(400, "login.wrongCode", { attemptsLeft });
    }
    await attempt?.succeeded();
  }

  const amr = withMethods(half.amr, AMR_OF[method]);
  const aal: Aal = Math.max(half.aal, levelOf(amr)) as Aal;
  const proof: SessionProof = { stage: "full", amr, aal, authTime: half.authTime };
  const session = await replaceSession(deps.db, half, now, deps.sessions, client, proof);
  // Another request completed this half session first.
  if (!session) throw new Unauthorized();
  await recordEvent(
    deps.db,
    { accountId: half.accountId, nationalId: factors.nationalId, type: "login.succeeded" },
    client,
    now,
  );
  const device =
    body.rememberBrowser === true ? await rememberBrowser(deps.db, half.accountId, now, client) : null;
  if (factors.resetOpen) await runFullSignInHooks(deps.db, deps.settings, half.accountId, now);
  return { ...session, device };
}

export async function runFullSignInHooks(
  db: Db,
  settings: SecondFactorSettings,
  accountId: string,
  now: Date,
) {
  for (const hook of settings.onFullSignIn) await hook(db, accountId, now);
}
