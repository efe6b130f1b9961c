// A stored message as the courier finds it, written straight into `messages` for the courier's tests.
import type { Insertable } from "kysely";
import type { MessageTable } from "../../src/platform/schema.ts";
import type { TestSystem } from "./system.ts";

export async function storedMessage(
  sys: TestSystem,
  row: Partial<Insertable<MessageTable>> & Pick<Insertable<MessageTable>, "body">,
): Promise<string> {
  const id = crypto.randomUUID();
  const now = sys.clock.now();
  await sys.db
    .insertInto("messages")
    .values({
      id,
      channel: "sms",
      recipient: "09121111111",
      template: "test",
      dedupe_key: `test:${id}`,
      status: "queued",
      next_attempt_at: now,
      created_at: now,
      ...row,
    })
    .execute();
  return id;
}
