import type { Kysely } from "kysely";

// A message is claimed before it is posted (courier.ts): `sending_until`, on the database's clock, is
// when an unfinished send may be taken over. Leases judged on each process's own clock let a worker
// whose clock ran an hour ahead post a message another was still posting (issue 12, the clock jump).
export async function up(db: Kysely<unknown>): Promise<void> {
  // `sending_claim` names the send that holds it, so that a claim whose answer was lost with the
  // connection is taken again by the same send, not left to run out.
  await db.schema
    .alterTable("messages")
    .addColumn("sending_until", "timestamptz")
    .addColumn("sending_claim", "uuid")
    .execute();
}
