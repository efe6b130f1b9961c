// A sign-in's statements when its counters are rows of this database (PostgresThrottleStore): the
// reservation and the account in one round trip, then the whole success in one more.
import { type Insertable, type Selectable, sql } from "kysely";
import type { Db } from "../../platform/database.ts";
import type { AccountTable, SecurityEventTable, SessionTable } from "../../platform/schema.ts";
import { hitStatement } from "../../platform/throttle.ts";

export type SignInAccount = Pick<Selectable<AccountTable>, "id" | "status" | "password_hash">;

export async function findAccount(db: Db, nationalId: string): Promise<SignInAccount | undefined> {
  return db
    .selectFrom("accounts")
    .select(["id", "status", "password_hash"])
    .where("national_id", "=", nationalId)
    .executeTakeFirst();
}

/** Counts one attempt on `key` (the store's own hit) and reads the account of `nationalId`, atomically. */
export async function reserveAndFind(
  db: Db,
  key: string,
  windowMs: number,
  now: Date,
  nationalId: string,
): Promise<{ count: number; account: SignInAccount | undefined }> {
  const result = await sql<{ count: number } & { [K in keyof SignInAccount]: SignInAccount[K] | null }>`
    with hit as (${hitStatement(key, windowMs, now)})
    select hit.count, a.id, a.status, a.password_hash
    from hit left join accounts a on a.national_id = ${nationalId}`.execute(db);
  const r = result.rows[0]!;
  const account =
    r.id && r.status && r.password_hash
      ? { id: r.id, status: r.status, password_hash: r.password_hash }
      : undefined;
  return { count: r.count, account };
}

/**
 * A successful sign-in in one statement: the failure counters of `clear` forgotten, the reservations
 * of `release` given back (a success is no failure), the security event and the session written.
 */
export async function completeSignIn(
  db: Db,
  writes: {
    clear: string[];
    release: string[];
    event: Insertable<SecurityEventTable>;
    session: Insertable<SessionTable>;
  },
): Promise<void> {
  await db
    .with("cleared", (q) => q.deleteFrom("throttles").where(sql<boolean>`key = any(${writes.clear}::text[])`))
    .with("released", (q) =>
      q
        .updateTable("throttles")
        .set({ count: sql`greatest(count - 1, 0)` })
        .where(sql<boolean>`key = any(${writes.release}::text[])`),
    )
    .with("event", (q) => q.insertInto("security_events").values(writes.event))
    .insertInto("sessions")
    .values(writes.session)
    .execute();
}
