// The `outbox` provider: SMS and email "delivered" into a table that the dev outbox page reads.
// Idempotent by message id, as a real gateway is with its local-id/idempotency key.
import { sql } from "kysely";
import type { Db } from "../../platform/database.ts";
import type { EmailSender, OutgoingEmail } from "../../ports/email.ts";
import type { OutgoingSms, SmsSender } from "../../ports/sms.ts";

export class OutboxSms implements SmsSender {
  readonly name = "outbox";
  private readonly db: Db;
  private readonly now: () => Date;
  constructor(db: Db, now: () => Date) {
    this.db = db;
    this.now = now;
  }

  async send(message: OutgoingSms): Promise<void> {
    await record(this.db, this.now(), "sms", message.id, message.to, message.text);
  }
}

export class OutboxEmail implements EmailSender {
  readonly name = "outbox";
  private readonly db: Db;
  private readonly now: () => Date;
  constructor(db: Db, now: () => Date) {
    this.db = db;
    this.now = now;
  }

  async send(message: OutgoingEmail): Promise<void> {
    await record(
      this.db,
      this.now(),
      "email",
      message.id,
      message.to,
      `${message.subject}\n\n${message.text}`,
    );
  }
}

async function record(db: Db, at: Date, channel: "sms" | "email", id: string, to: string, body: string) {
  await db
    .insertInto("outbox")
    .values({ message_id: id, channel, recipient: to, body, created_at: at })
    .onConflict((c) => c.column("message_id").doNothing())
    .execute();
}

export async function readOutbox(db: Db, to?: string) {
  let query = db
    .selectFrom("outbox")
    .select(["channel", "recipient as to", "body as text", "created_at as createdAt"]);
  // Email addresses are matched without regard to case, as mail servers in practice do.
  if (to) query = query.where(sql`lower(recipient)`, "=", to.toLowerCase());
  // Newest first, as a person reads an inbox; the 500 newest when there are more.
  return query.orderBy("created_at", "desc").orderBy("seq", "desc").limit(500).execute();
}
