// The citizen's side of a branch activation: set the first password with the code sent to the mobile
// proved at the desk, or ask for a new code. Public routes: the code is the credential.
import { Type } from "typebox";
import type { Http } from "../../platform/http.ts";
import { type FirstPasswordDeps, resendPasswordSetup, setFirstPassword } from "./first-password.ts";

const text = (maxLength: number) => Type.Optional(Type.String({ maxLength }));

export function firstPasswordRoutes(app: Http, deps: FirstPasswordDeps) {
  const body = Type.Object({
    nationalId: text(32),
    code: text(32),
    password: text(128),
    passwordConfirmation: text(128),
  });
  app.post("/api/first-password", { schema: { body } }, async (request, reply) => {
    const client = { ip: request.ip, userAgent: request.headers["user-agent"] ?? null };
    await setFirstPassword(deps, request.body, client);
    return reply.status(204).send();
  });

  const resend = Type.Object({ nationalId: text(32) });
  app.post("/api/first-password/code", { schema: { body: resend } }, async (request, reply) => {
    await resendPasswordSetup(deps, request.body);
    return reply.status(202).send({});
  });
}
