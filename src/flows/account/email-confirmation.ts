// Issue 10: an email is trusted (used for password recovery) only once a code sent to it came back.
// The holder asks for the code from the account pages; the attempt is reserved before the comparison.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { Http } from "../../platform/http.ts";
import { cleanCode, issueCode, spendCode, tryCode } from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import { SEND_QUEUE } from "../courier/courier.ts";
import { requireSession } from "../login/auth.ts";
import type { SessionPolicy } from "../login/sessions.ts";
import { ACCOUNT_LIMITS, type AccountDeps } from "./service.ts";

export function emailConfirmationRoutes(app: Http, deps: AccountDeps & { sessions: SessionPolicy }) {
  const account = async (request: FastifyRequest) => {
    const session = await requireSession(deps, request);
    return deps.db
      .selectFrom("accounts")
      .select(["id", "email", "email_confirmed_at"])
      .where("id", "=", session.accountId)
      .executeTakeFirstOrThrow();
  };

  app.post("/api/account/email/confirmation", async (request, reply) => {
    const a = await account(request);
    if (!a.email) throw new Problem(409, "account.noEmail");
    if (a.email_confirmed_at) return reply.status(200).send({ status: "confirmed" });
    const now = deps.clock.now();
    if (deps.rateLimits) {
      const key = `email-confirmation:${a.id}`;
      const { count, windowEndsAt } = await deps.throttles.hit(key, 86_400_000, now);
      if (count > ACCOUNT_LIMITS.codesPerDay)
        throw new TooManyRequests((windowEndsAt.getTime() - now.getTime()) / 1000);
    }
    const email = a.email;
    await deps.db.transaction().execute((trx) =>
      issueCode(
        trx,
        deps,
        {
          table: "email_confirmations",
          purpose: "email-confirmation",
          row: { account_id: a.id, email },
          replaces: { account_id: a.id },
          message: {
            channel: "email",
            to: email,
            template: "account.emailConfirmation",
            text: "email.account.emailConfirmation.body",
            subject: "email.account.emailConfirmation.subject",
          },
        },
        now,
      ),
    );
    deps.jobs.nudge(SEND_QUEUE);
    return reply.status(202).send({ status: "code_sent" });
  });

  const body = Type.Object({ code: Type.Optional(Type.String({ maxLength: 32 })) });
  app.post("/api/account/email/confirmation/verify", { schema: { body } }, async (request) => {
    const a = await account(request);
    const code = cleanCode(request.body.code);
    if (!code) throw new InvalidInput([{ field: "code", code: "code.required" }]);
    const now = deps.clock.now();
    const pending = await deps.db
      .selectFrom("email_confirmations")
      .select(["id", "email"])
      .where("account_id", "=", a.id)
      .where("status", "=", "pending")
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    if (!pending || pending.email !== a.email) throw new Problem(400, "account.noPendingChange");
    const where = { table: "email_confirmations", id: pending.id } as const;
    const guess = await tryCode(deps.db, deps, where, code, now);
    if (guess.outcome === "spent") throw new Problem(400, "account.changeLocked");
    if (guess.outcome === "wrong")
      throw new Problem(400, "account.wrongCode", { attemptsLeft: guess.attemptsLeft });
    await deps.db.transaction().execute(async (trx) => {
      // A second right code sent at once finds it spent; confirming the same address again is harmless.
      await spendCode(trx, where, { status: "done" });
      await trx
        .updateTable("accounts")
        .set({ email_confirmed_at: now, updated_at: now })
        .where("id", "=", a.id)
        .where("email", "=", pending.email)
        .execute();
    });
    return { status: "confirmed" };
  });
}
