// The citizen's passkey routes: management under /api/account/passkeys (a full session; enrolment and
// removal need the current password or a fresh second factor), sign-in under /api/passkeys.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Challenges } from "../../platform/challenge.ts";
import type { Http } from "../../platform/http.ts";
import { DEVICE_COOKIE } from "../factors/remembered-browsers.ts";
import { anySession, requireSession } from "../login/auth.ts";
import { SESSION_COOKIE } from "../login/sessions.ts";
import {
  type CitizenPasskeyDeps,
  enrolPasskey,
  passkeyRegistrationOptions,
  passkeysOf,
  removePasskey,
  renamePasskey,
  signInWithPasskey,
} from "./service.ts";
import { authenticationOptions, NAME_MAX } from "./webauthn.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const b64 = (maxLength: number) => Type.String({ maxLength, pattern: "^[A-Za-z0-9_-]*={0,2}$" });

/** A PublicKeyCredential as @simplewebauthn/browser hands it over (registration or assertion). */
export const credentialSchema = Type.Object({
  id: b64(1400),
  rawId: b64(1400),
  type: Type.String({ maxLength: 32 }),
  authenticatorAttachment: text(32),
  clientExtensionResults: Type.Optional(Type.Object({})),
  response: Type.Object({
    clientDataJSON: b64(4096),
    attestationObject: Type.Optional(b64(65_536)),
    authenticatorData: Type.Optional(b64(8192)),
    // Up to ML-DSA-87's 4627 bytes: Chromium's authenticators sign with ML-DSA-44 (2420) when offered.
    signature: Type.Optional(b64(8192)),
    userHandle: Type.Optional(b64(1024)),
    transports: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10 })),
    publicKeyAlgorithm: Type.Optional(Type.Number()),
    publicKey: Type.Optional(b64(4096)),
  }),
});

/** Passkey sign-in failures from one address before its attempts need a challenge (never a refusal). */
export const PASSKEY_ADDRESS_RULE = {
  scope: "passkey",
  threshold: 50,
  windowMs: 15 * 60_000,
  counts: "failures" as const,
  failureStatuses: [400, 401, 403],
};

/** Options from one address before they need a challenge: each is a stored challenge row. */
export const PASSKEY_OPTIONS_RULE = { scope: "passkey-options", threshold: 300, windowMs: 15 * 60_000 };

const client = (request: FastifyRequest) => ({
  ip: request.ip,
  userAgent: request.headers["user-agent"] ?? null,
});

export function passkeyRoutes(
  app: Http,
  deps: CitizenPasskeyDeps & { challenges: Challenges; cookieSecure: boolean },
) {
  const auth = (request: FastifyRequest) => requireSession(deps, request);
  const idParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
  const proof = Type.Object({ currentPassword: text(128) });

  app.post(
    "/api/account/passkeys/registration/options",
    { schema: { body: Type.Optional(proof) } },
    async (request) => passkeyRegistrationOptions(deps, await auth(request), request.body ?? {}),
  );

  const enrol = Type.Object({ response: credentialSchema, name: text(200) });
  app.post("/api/account/passkeys/registration", { schema: { body: enrol } }, async (request, reply) => {
    const created = await enrolPasskey(deps, await auth(request), request.body, client(request));
    return reply.status(201).send(created);
  });

  app.get("/api/account/passkeys", async (request) => passkeysOf(deps, await auth(request)));

  const rename = Type.Object({ name: text(NAME_MAX * 2) });
  app.patch(
    "/api/account/passkeys/:id",
    { schema: { params: idParams, body: rename } },
    async (request, reply) => {
      await renamePasskey(deps, await auth(request), request.params.id, request.body);
      return reply.status(204).send();
    },
  );

  app.delete(
    "/api/account/passkeys/:id",
    { schema: { params: idParams, body: Type.Optional(proof) } },
    async (request, reply) => {
      await removePasskey(deps, await auth(request), request.params.id, request.body ?? {}, client(request));
      return reply.status(204).send();
    },
  );

  app.post(
    "/api/passkeys/authentication/options",
    deps.challenges.guard(PASSKEY_OPTIONS_RULE),
    async (request) => {
      const session = await anySession(deps, request);
      return authenticationOptions(deps, "account", session?.accountId ?? null);
    },
  );

  const signIn = Type.Object({ response: credentialSchema, rememberBrowser: Type.Optional(Type.Boolean()) });
  app.post(
    "/api/passkeys/authentication",
    { schema: { body: signIn }, ...deps.challenges.guard(PASSKEY_ADDRESS_RULE) },
    async (request, reply) => {
      const session = await anySession(deps, request);
      const opened = await signInWithPasskey(deps, session, request.body, client(request));
      reply.setCookie(SESSION_COOKIE, opened.token, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: deps.cookieSecure,
        expires: opened.expiresAt,
      });
      if (opened.device) {
        reply.setCookie(DEVICE_COOKIE, opened.device.token, {
          path: "/",
          httpOnly: true,
          sameSite: "lax",
          secure: deps.cookieSecure,
          expires: opened.device.expiresAt,
        });
      }
      return { next: "done" };
    },
  );
}
