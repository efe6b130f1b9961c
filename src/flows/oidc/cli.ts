// `npm run cli -- oidc-client:create …` and `npm run cli -- oidc-keys:rotate`: e-services and signing
// keys from the operator's shell, audited like the console (actor: the CLI).
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CLI_CLIENT as CLI, type Out } from "../../platform/cli-database.ts";
import type { Db } from "../../platform/database.ts";
import { recordAudit } from "../staff/audit.ts";
import { ClientInputError, parseClientInput } from "./client-input.ts";
import { upsertClient } from "./clients.ts";
import { rotateKeys } from "./keys.ts";

/** The command on an open database: what the CLI runs, and what tests run in-process. */
export async function createClientFromArgs(db: Db, secretKey: string, argv: string[], now: Date, out: Out) {
  const { values } = parseArgs({
    args: argv,
    options: {
      id: { type: "string" },
      name: { type: "string" },
      "redirect-uri": { type: "string", multiple: true },
      "post-logout-uri": { type: "string", multiple: true },
      "backchannel-uri": { type: "string" },
      auth: { type: "string", default: "client_secret_basic" },
      secret: { type: "string" },
      "jwks-file": { type: "string" },
      scopes: { type: "string" },
      app: { type: "string" },
      dpop: { type: "boolean" },
    },
  });
  const withSecret = values.auth === "client_secret_basic" || values.auth === "client_secret_post";
  const secret = withSecret ? (values.secret ?? randomBytes(32).toString("base64url")) : undefined;
  try {
    const input = parseClientInput({
      client_id: values.id,
      client_name: values.name,
      redirect_uris: values["redirect-uri"],
      token_endpoint_auth_method: values.auth,
      ...(secret ? { client_secret: secret } : {}),
      ...(values["post-logout-uri"] ? { post_logout_redirect_uris: values["post-logout-uri"] } : {}),
      ...(values["backchannel-uri"] ? { backchannel_logout_uri: values["backchannel-uri"] } : {}),
      ...(values["jwks-file"] ? { jwks: JSON.parse(readFileSync(values["jwks-file"], "utf8")) } : {}),
      ...(values.scopes ? { allowed_scopes: values.scopes.split(/[\s,]+/).filter(Boolean) } : {}),
      ...(values.app ? { application_type: values.app } : {}),
      ...(values.dpop ? { dpop_bound_access_tokens: true } : {}),
    });
    await upsertClient(db, input, "cli", secretKey, now);
    const details = { clientId: input.client_id, name: input.client_name, redirectUris: input.redirect_uris };
    await recordAudit(db, null, { action: "cli.oidcClient.saved", details }, CLI, now);
    out.log(`e-service saved: ${input.client_id} (${input.client_name})`);
    if (secret && !values.secret) out.log(`client secret (shown once, stored sealed): ${secret}`);
    out.log("Restart is not needed: Hoviat reads e-services from the database on each use.");
    return 0;
  } catch (error) {
    if (!(error instanceof ClientInputError)) throw error;
    out.error(error.message);
    out.error(
      "usage: oidc-client:create --id ID --name NAME --redirect-uri URL [--redirect-uri URL …] [--post-logout-uri URL]\n" +
        "       [--backchannel-uri URL] [--auth client_secret_basic|client_secret_post|private_key_jwt|none]\n" +
        "       [--secret S | --jwks-file F] [--app web|native] [--dpop] [--scopes 'profile phone']",
    );
    return 2;
  }
}

export async function rotateKeysCommand(db: Db, now: Date, graceMs: number, out: Out) {
  const { kids, activeAt } = await rotateKeys(db, now, graceMs);
  const details = { kids, activeAt: activeAt.toISOString() };
  await recordAudit(db, null, { action: "cli.oidcKeys.rotated", details }, CLI, now);
  out.log(`new signing keys (ES256, RS256): ${kids.join(", ")}
Every running Hoviat instance publishes them within a minute and signs with them from
${activeAt.toISOString()} (OIDC_KEY_GRACE_MINUTES); the keys they replace stay published as long as
a token they signed may come back. No restart is needed.`);
  return 0;
}
