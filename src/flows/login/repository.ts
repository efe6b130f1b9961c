// A sign-in's statements when its counters are rows of this database (PostgresThrottleStore): the
// reservations (the ID's and the address's) and the account in one round trip, then the whole
// success in one more.
import { type Insertable, type Selectable, sql } from "kysely";
import type { AddressHit } from "../../platform/challenge.ts";
import { type Db, prepared } from "../../platform/database.ts";
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

/**
 * Counts one attempt on `key` (the store's own hit) and, when given, one on the address guard's
 * counter, and reads the account of `nationalId`: atomically, in one round trip.
 */
export async function reserveAndFind(
  db: Db,
  key: string,
  windowMs: number,
  now: Date,
  nationalId: string,
  address: AddressHit | null,
): Promise<{ count: number; addressCount: number | null; account: SignInAccount | undefined }> {
  type Row = { count: number; address_count: number | null } & {
    [K in keyof SignInAccount]: SignInAccount[K] | null;
  };
  const statement = address
    ? sql<Row>`
        with hit as (${hitStatement(key, windowMs, now)}),
          address as (${hitStatement(address.key, address.windowMs, now)})
        select hit.count, address.count as address_count, a.id, a.status, a.password_hash
        from hit cross join address left join accounts a on a.national_id = ${nationalId}`
    : sql<Row>`
        with hit as (${hitStatement(key, windowMs, now)})
        select hit.count, null::int as address_count, a.id, a.status, a.password_hash
        from hit left join accounts a on a.national_id = ${nationalId}`;
  const result = await db.executeQuery(prepared("login.reserve", statement.compile(db)));
  const r = result.rows[0]!;
  const account =
    r.id && r.status && r.password_hash
      ? { id: r.id, status: r.status, password_hash: r.password_hash }
      : undefined;
  return { count: r.count, addressCount: r.address_count, account };
}

/**
 * A successful sign-in in one statement: the failure counter `clear` forgotten, the reservation
 * `release` given back (a success is no failure), the security event and the session written. One key
 * each (or null), compared with `=`, so that the prepared statement's generic plan serves every call.
 */
export async function completeSignIn(
  db: Db,
  writes: {
    clear: string | null;
    release: string | null;
    /** Null for a half session: the sign-in is recorded once its second factor is given. */
    event: Insertable<SecurityEventTable> | null;
    session: Insertable<SessionTable>;
  },
): Promise<void> {
  const base = db
    .with("cleared", (q) => q.deleteFrom("throttles").where("key", "=", sql<string>`${writes.clear}::text`))
    .with("released", (q) =>
      q
        .updateTable("throttles")
        .set({ count: sql`greatest(count - 1, 0)` })
        .where("key", "=", sql<string>`${writes.release}::text`),
    );
  const { event } = writes;
  const statement = event
    ? prepared(
        "login.complete",
        base
          .with("event", (q) => q.insertInto("security_events").values(event))
          .insertInto("sessions")
          .values(writes.session)
          .compile(),
      )
    : prepared("login.half", base.insertInto("sessions").values(writes.session).compile());
  await db.executeQuery(statement);
}
