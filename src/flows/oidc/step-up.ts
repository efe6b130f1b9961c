// What an e-service asks of a sign-in (R-SSO, R-MFA), held on every path: a fresh sign-in, an
// existing SSO session, a remembered consent, a second e-service. oidc-provider runs its interaction
// policy's checks on every authorization request before it issues a code, so the checks are here:
// - the SSO session lives only as long as the Hoviat session of the same browser (hoviat_session);
// - the account's identity proof must meet the identity value of acr_values (hoviat_identity, which
//   no interaction can fix: unmet_authentication_requirements);
// - the Hoviat session must reach the authentication level asked (urn:hoviat:aal:…, hoviat_aal): less
//   sends the person to Hoviat's page for the missing factor (step-up), never a code;
// - max_age is measured against the time the person last gave a password or a passkey (the Hoviat
//   session's auth_time), not against the SSO session's own clock.
// Each check reads the Hoviat session once per request (hoviatView) and keeps the SSO session saying how
// the browser signed in now (its amr, auth_time and acr), which is what the code and the ID token carry.

import { interactionPolicy, type KoaContextWithOIDC } from "oidc-provider";
import { type Aal, requestedAal } from "../../domain/authentication-level.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Db } from "../../platform/database.ts";
import {
  type ResolvedSession,
  resolveSession,
  SESSION_COOKIE,
  type SessionPolicy,
} from "../login/sessions.ts";
import type { AccountReads } from "./account-reads.ts";
import { acrOf, meetsAcrValues } from "./claims.ts";

const { Check } = interactionPolicy;

export type StepUpDeps = { db: Db; clock: Clock; sessions: SessionPolicy; accounts: AccountReads };

/** The Hoviat session of the request's browser, and whether it is the SSO session's own sign-in. */
export type HoviatView = {
  session: ResolvedSession | null;
  /** A full Hoviat session of the SSO session's account. */
  current: boolean;
  /** The identity acr of that account (when current). */
  acr?: string;
};

const sameMethods = (a: readonly string[] | undefined, b: readonly string[]) =>
  !!a && a.length === b.length && [...a].sort().join(" ") === [...b].sort().join(" ");

export function hoviatView(deps: StepUpDeps) {
  const read = new WeakMap<object, Promise<HoviatView>>();
  const resolve = async (ctx: KoaContextWithOIDC): Promise<HoviatView> => {
    const token = ctx.cookies.get(SESSION_COOKIE, { signed: false });
    const session = token ? await resolveSession(deps.db, token, deps.clock.now(), deps.sessions) : null;
    const sso = ctx.oidc.session!;
    const accountId = sso.accountId;
    if (!accountId || session?.stage !== "full" || session.accountId !== accountId)
      return { session, current: false };
    const acr = await acrOf(deps.db, accountId);
    // A step-up or a new sign-in in this browser since the SSO session began: the codes from now on
    // tell what the Hoviat session says (oidc-provider saves the session it marks as touched).
    const loginTs = Math.floor(session.authTime.getTime() / 1000);
    if (sso.loginTs !== loginTs || sso.acr !== acr || !sameMethods(sso.amr, session.amr)) {
      sso.loginAccount({ accountId, loginTs, amr: session.amr, acr, transient: sso.transient === true });
    }
    deps.accounts.setLevel(ctx, session.aal);
    return { session, current: true, acr };
  };
  return (ctx: KoaContextWithOIDC): Promise<HoviatView> => {
    let view = read.get(ctx);
    if (!view) {
      view = resolve(ctx);
      read.set(ctx, view);
    }
    return view;
  };
}

/** The login prompt's checks with Hoviat's: see the top of this file. */
export function stepUpPolicy(deps: StepUpDeps) {
  const view = hoviatView(deps);
  const policy = interactionPolicy.base();
  const login = policy.get("login")!;
  const { NO_NEED_TO_PROMPT, REQUEST_PROMPT } = Check;

  // oidc-provider's own max_age reads the SSO session's login time; ours reads the Hoviat session's.
  const maxAgeAt = login.checks.findIndex((c) => c.reason === "max_age");
  login.checks.remove("max_age");
  login.checks.add(
    new Check("max_age", "End-User authentication could not be obtained", "login_required", async (ctx) => {
      const maxAge = ctx.oidc.params?.max_age as string | number | undefined;
      if (maxAge === undefined) return NO_NEED_TO_PROMPT;
      // Hoviat's page decided the sign-in it gives back is fresh enough (routes.ts).
      if (ctx.oidc.result?.login) return NO_NEED_TO_PROMPT;
      const { session, current } = await view(ctx);
      if (!current || !session) return REQUEST_PROMPT;
      return exceedsMaxAge(session, maxAge, deps.clock.now()) ? REQUEST_PROMPT : NO_NEED_TO_PROMPT;
    }),
    maxAgeAt,
  );

  // Order matters for prompt=none: the first check that asks names the error.
  login.checks.add(
    new Check("hoviat_session", "the Hoviat session has ended", "login_required", async (ctx) => {
      if (!ctx.oidc.session?.accountId) return NO_NEED_TO_PROMPT;
      return (await view(ctx)).current ? NO_NEED_TO_PROMPT : REQUEST_PROMPT;
    }),
  );
  login.checks.add(
    new Check(
      "hoviat_identity",
      "the account's identity proof does not meet the requested acr_values",
      "unmet_authentication_requirements",
      async (ctx) => {
        const { current, acr } = await view(ctx);
        if (!current || !acr) return NO_NEED_TO_PROMPT;
        return meetsAcrValues(acr, acrValues(ctx)) ? NO_NEED_TO_PROMPT : REQUEST_PROMPT;
      },
    ),
  );
  login.checks.add(
    new Check(
      "hoviat_aal",
      "the sign-in does not reach the authentication level requested in acr_values",
      "login_required",
      async (ctx) => {
        const { current, session } = await view(ctx);
        if (!current || !session) return NO_NEED_TO_PROMPT;
        return session.aal < requestedAal(acrValues(ctx)) ? REQUEST_PROMPT : NO_NEED_TO_PROMPT;
      },
      (ctx) => ({ aal: requestedAal(acrValues(ctx)) }),
    ),
  );
  return policy;
}

const acrValues = (ctx: KoaContextWithOIDC) => ctx.oidc.params?.acr_values as string | undefined;

export function exceedsMaxAge(session: { authTime: Date }, maxAge: string | number, now: Date): boolean {
  return now.getTime() - session.authTime.getTime() > Number(maxAge) * 1000;
}

/** What the e-service's acr_values ask of the authentication, as the page names it. */
export const NEED_NAMES: Record<Exclude<Aal, 1>, "aal2" | "phishing_resistant"> = {
  2: "aal2",
  3: "phishing_resistant",
};
