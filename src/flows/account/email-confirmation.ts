// Issue 10: an email is trusted (used for password recovery) only once a code sent to it came back.
// The holder asks for the code from the account pages; the attempt is reserved before the comparison.
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { t } from "../../messages/index.ts";
import type { Http } from "../../platform/http.ts";
import {
  cleanCode,
  guessCode,
  hashCode,
  MAX_ATTEMPTS,
  newCode,
  sameHash,
} from "../../platform/one-time-codes.ts";
import { InvalidInput, Problem, TooManyRequests } from "../../platform/problems.ts";
import { queueMessage, SEND_QUEUE } from "../courier/courier.ts";
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
    const id = crypto.randomUUID();
    const code = newCode();
    const email = a.email;
    await deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("email_confirmations")
        .set({ status: "dead" })
        .where("account_id", "=", a.id)
        .where("status", "=", "pending")
        .execute();
      await trx
        .insertInto("email_confirmations")
        .values({
          id,
          account_id: a.id,
          email,
          code_hash: hashCode(deps.secretKey, id, code),
          status: "pending",
          expires_at: new Date(now.getTime() + deps.codeMinutes * 60_000),
          created_at: now,
        })
        .execute();
      await queueMessage(
        trx,
        deps.jobs,
        {
          channel: "email",
          to: email,
          template: "account.emailConfirmation",
          subject: t("fa", "email.account.emailConfirmation.subject"),
          body: t("fa", "email.account.emailConfirmation.body", { code, minutes: deps.codeMinutes }),
          dedupeKey: `email-confirmation:${id}:code`,
          code,
        },
        now,
      );
    });
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
    const guess = await guessCode(
      deps.db,
      { table: "email_confirmations", id: pending.id, status: "pending" },
      now,
      MAX_ATTEMPTS,
      (stored) => sameHash(stored, hashCode(deps.secretKey, pending.id, code)),
    );
    if (guess.outcome === "spent") throw new Problem(400, "account.changeLocked");
    if (guess.outcome === "wrong")
      throw new Problem(400, "account.wrongCode", { attemptsLeft: guess.attemptsLeft });
    await deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable("email_confirmations")
        .set({ status: "done" })
        .where("id", "=", pending.id)
        .execute();
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
