// Ends the SSO sessions of an account when Hoviat ends its own: a logout on Hoviat's pages, a
// password reset, an admin lock. Each e-service of those sessions with a backchannel_logout_uri gets
// a logout token; the grants go with the session (all of them, offline ones too, when `everything`).
import { sql } from "kysely";
import type Provider from "oidc-provider";
import type { Logger } from "pino";
import type { Db } from "../../platform/database.ts";
import { revokeGrants } from "./consents.ts";

type Authorization = { sid?: string; grantId?: string; persistsLogout?: boolean };

// Keyed by the database handle: the three callers hold `db` and nothing of the provider, and a
// process may run more than one system (tests of several instances).
const providers = new WeakMap<Db, { provider: Provider; logger: Logger }>();

export function registerProvider(db: Db, provider: Provider, logger: Logger): void {
  providers.set(db, { provider, logger });
}

export async function endSsoSessions(
  db: Db,
  accountId: string,
  options: { everything?: boolean } = {},
): Promise<void> {
  const registered = providers.get(db);
  const sessions = await ssoSessionsOf(db, accountId);
  const notices: Promise<void>[] = [];
  for (const session of sessions) {
    const authorizations = ((session.payload as { authorizations?: Record<string, Authorization> })
      .authorizations ?? {}) as Record<string, Authorization>;
    for (const [clientId, authorization] of Object.entries(authorizations)) {
      if (registered) notices.push(backchannel(registered, clientId, accountId, authorization.sid));
      if (authorization.grantId && (options.everything || !authorization.persistsLogout)) {
        await db
          .deleteFrom("oidc_payloads")
          .where((eb) =>
            eb.or([
              eb("grant_id", "=", authorization.grantId!),
              eb.and([eb("model", "=", "Grant"), eb("id", "=", authorization.grantId!)]),
            ]),
          )
          .execute();
      }
    }
    await db
      .deleteFrom("oidc_payloads")
      .where("model", "=", "Session")
      .where("id", "=", session.id)
      .execute();
  }
  if (options.everything) await revokeGrants(db, accountId);
  await Promise.all(notices);
}

/**
 * «قطع دسترسی» (R-SSO: a revocation signs the person out of that e-service): the e-service gets a
 * logout token for each SSO session of the account it was part of, and leaves those sessions, as it
 * would on a logout; the caller revokes its consent, grants and tokens.
 */
export async function signOutOfEservice(db: Db, accountId: string, clientId: string): Promise<void> {
  const registered = providers.get(db);
  const sessions = await ssoSessionsOf(db, accountId);
  const notices: Promise<void>[] = [];
  for (const session of sessions) {
    const authorization = (session.payload as { authorizations?: Record<string, Authorization> })
      .authorizations?.[clientId];
    if (!authorization) continue;
    if (registered) notices.push(backchannel(registered, clientId, accountId, authorization.sid));
    await db
      .updateTable("oidc_payloads")
      .set({ payload: sql`payload #- ${["authorizations", clientId]}::text[]` })
      .where("model", "=", "Session")
      .where("id", "=", session.id)
      .execute();
  }
  await Promise.all(notices);
}

const ssoSessionsOf = (db: Db, accountId: string) =>
  db
    .selectFrom("oidc_payloads")
    .select(["id", "payload"])
    .where("model", "=", "Session")
    .where("account_id", "=", accountId)
    .execute();

async function backchannel(
  { provider, logger }: { provider: Provider; logger: Logger },
  clientId: string,
  accountId: string,
  sid: string | undefined,
): Promise<void> {
  try {
    const client = await provider.Client.find(clientId);
    if (!client?.backchannelLogoutUri) return;
    // Not in @types/oidc-provider, but a public method of the Client model (lib/models/client.js).
    const notify = client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> };
    await notify.backchannelLogout(accountId, sid ?? "");
  } catch (err) {
    // The e-service missed the notice; its tokens are revoked all the same.
    logger.warn({ err, clientId }, "oidc back-channel logout failed");
  }
}
