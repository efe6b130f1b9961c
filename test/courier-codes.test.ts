// Codes first (issue 22): a message that carries a one-time code is tried again within seconds, by a
// job due at that time (not the sweeper's next round), goes to the next gateway of the failover list
// at its first failure, and is abandoned, never posted, once its code has expired. Other messages keep
// their back-off.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { sql, type Transaction } from "kysely";
import { MAX_SEND_ATTEMPTS, SEND_LEASE_MS, sendMessage } from "../src/flows/courier/courier.ts";
import { ManualClock } from "../src/platform/clock.ts";
import { issueCode } from "../src/platform/one-time-codes.ts";
import type { Database } from "../src/platform/schema.ts";
import { DeliveryFailed, type OutgoingSms } from "../src/ports/sms.ts";
import { storedMessage } from "./helpers/messages.ts";
import { ali } from "./helpers/people.ts";
import { eventually, startTestSystem, type TestSystem } from "./helpers/system.ts";

const SECRET = "a-secret-key-of-at-least-32-characters";

const failing = (posts: OutgoingSms[]) => ({
  name: "webhook",
  send: async (m: OutgoingSms) => {
    posts.push(m);
    throw new DeliveryFailed("webhook: HTTP 503", true);
  },
});

describe("the courier's tries of a code", () => {
  let sys: TestSystem;
  // A day ahead of the real time: the retry jobs written here are not due while the test looks at them.
  const clock = new ManualClock(new Date(Date.now() + 86_400_000));
  before(async () => {
    sys = await startTestSystem({}, { clock });
  });
  after(() => sys.stop());

  const queued = (options: { code: boolean; expiresInMs?: number; attempts?: number }) =>
    storedMessage(sys, {
      body: options.code ? "کد 123456" : "درخواست شما ثبت شد",
      contains_code: options.code,
      attempts: options.attempts ?? 0,
      expires_at:
        options.expiresInMs === undefined ? null : new Date(clock.now().getTime() + options.expiresInMs),
    });

  const deps = (posts: OutgoingSms[]) => ({ ...sys.courier, sms: failing(posts), random: () => 1 });
  const row = (id: string) =>
    sys.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  /** Each retry job's start, in ms after the clock's now (they are written in order). */
  const retryJobs = async (id: string) => {
    const { rows } = await sql<{ start_after: Date }>`
      select start_after from pgboss.job where name = 'courier-send' and data->>'id' = ${id}
      order by created_on`.execute(sys.db);
    return rows.map((r) => r.start_after.getTime() - clock.now().getTime());
  };

  test("a code is tried again after 1, 2, 4, 4 s, each by a job due then; another message after 2, 4, 8 s", async () => {
    const posts: OutgoingSms[] = [];
    const code = await queued({ code: true, expiresInMs: 300_000 });
    const other = await queued({ code: false });
    for (let i = 0; i < 4; i++) await sendMessage(deps(posts), code);
    for (let i = 0; i < 3; i++) await sendMessage(deps(posts), other);
    assert.deepEqual(await retryJobs(code), [1_000, 2_000, 4_000, 4_000]);
    assert.deepEqual(await retryJobs(other), [2_000, 4_000, 8_000]);
    const message = await row(code);
    assert.equal(message.status, "queued");
    assert.equal(message.attempts, 4);
    // Leased to that job: the sweeper hands it out again only if the job is lost.
    assert.equal(message.next_attempt_at.getTime() - clock.now().getTime(), 4_000 + SEND_LEASE_MS);
  });

  test("an expired code's message is abandoned, not posted, its code redacted, and counted", async () => {
    const posts: OutgoingSms[] = [];
    const id = await queued({ code: true, expiresInMs: 300_000 });
    const before = await abandoned("expired");
    clock.advance(300_000);
    await sendMessage(deps(posts), id);
    assert.equal(posts.length, 0, "never posted once its code expired");
    const message = await row(id);
    assert.equal(message.status, "abandoned");
    assert.doesNotMatch(message.body, /123456/);
    assert.equal(message.sending_until, null);
    assert.equal(await abandoned("expired"), before + 1);
    assert.deepEqual(await retryJobs(id), [], "and no try is left behind");
  });

  test("a failure whose next try would come after the code's expiry abandons the message", async () => {
    const posts: OutgoingSms[] = [];
    const id = await queued({ code: true, expiresInMs: 500 });
    await sendMessage(deps(posts), id);
    assert.equal(posts.length, 1);
    assert.equal((await row(id)).status, "abandoned");
    assert.deepEqual(await retryJobs(id), []);
  });

  test("a living code is tried past the count that ends other messages; those end there", async () => {
    const posts: OutgoingSms[] = [];
    const code = await queued({ code: true, expiresInMs: 300_000, attempts: MAX_SEND_ATTEMPTS });
    const other = await queued({ code: false, attempts: MAX_SEND_ATTEMPTS - 1 });
    await sendMessage(deps(posts), code);
    await sendMessage(deps(posts), other);
    assert.equal((await row(code)).status, "queued");
    assert.equal((await row(other)).status, "abandoned");
  });

  test("a code replaced by a newer one: its message still queued is abandoned, the new one is sent", async () => {
    const settings = {
      jobs: sys.jobs,
      secretKey: SECRET,
      secretKeys: [SECRET],
      codeMinutes: 5,
      otpHost: "localhost",
    };
    const pair = { national_id: ali.nationalId, mobile: ali.mobile };
    const issue = (trx: Transaction<Database>) =>
      issueCode(
        trx,
        settings,
        {
          table: "mobile_verifications",
          purpose: "mobile-verification",
          row: { ...pair, client_ip: null },
          replaces: pair,
          message: {
            channel: "sms",
            to: ali.mobile,
            template: "registration.mobileCode",
            text: "sms.registration.mobileCode",
          },
        },
        clock.now(),
      );
    // One transaction, so that the worker cannot send the first before the second replaces it.
    const [first, second] = await sys.db
      .transaction()
      .execute(async (trx) => [await issue(trx), await issue(trx)]);
    const messageOf = (codeId: string) =>
      eventually(() =>
        sys.db
          .selectFrom("messages")
          .selectAll()
          .where("dedupe_key", "=", `mobile-verification:${codeId}:code`)
          .where("status", "!=", "queued")
          .executeTakeFirst(),
      );
    // The worker sends them (through the outbox).
    const old = await messageOf(first!.id);
    assert.equal(old.status, "abandoned", "the replaced code never reaches the phone");
    assert.equal(old.last_error, "code expired");
    assert.equal((await messageOf(second!.id)).status, "sent");
  });

  async function abandoned(reason: string): Promise<number> {
    const metric = await sys.metrics.messagesAbandoned.get();
    return metric.values.find((v) => v.labels.reason === reason && v.labels.channel === "sms")?.value ?? 0;
  }
});

/** A webhook peer: answers 503 to its first `failures` posts, then 202; remembers what it took. */
async function peer(failures: number) {
  const taken: { id: string; to: string; text: string; at: number }[] = [];
  let posts = 0;
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (c) => (body += c));
    request.on("end", () => {
      if (++posts <= failures) return response.writeHead(503).end();
      taken.push({ ...(JSON.parse(body) as { id: string; to: string; text: string }), at: Date.now() });
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
  return {
    url,
    taken,
    posts: () => posts,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe("a code through two failing gateway peers", () => {
  let sys: TestSystem;
  let first: Awaited<ReturnType<typeof peer>>;
  let second: Awaited<ReturnType<typeof peer>>;
  before(async () => {
    first = await peer(Number.POSITIVE_INFINITY);
    second = await peer(1);
    sys = await startTestSystem({
      SMS_PROVIDER: "webhook",
      SMS_WEBHOOK_URL: `${first.url},${second.url}`,
      SMS_WEBHOOK_TOKEN: "peers",
    });
  });
  after(async () => {
    await sys.stop();
    await first.close();
    await second.close();
  });

  test("step 1's code reaches the second peer within seconds, though both failed its first send", async () => {
    const asked = Date.now();
    const res = await sys.app.inject({
      method: "POST",
      url: "/api/registrations/mobile-verification",
      payload: { nationalId: ali.nationalId, mobile: ali.mobile },
    });
    assert.equal(res.statusCode, 202);
    // The sweeper runs once an hour here: only the retry job can bring it this soon.
    const delivered = await eventually(async () => second.taken[0], 5_000);
    assert.ok(delivered.at - asked < 5_000);
    assert.equal(first.posts(), 2, "the first peer was asked first each time");
    assert.equal(second.posts(), 2, "and the second right after it, each time");
    // The courier records the send once the peer's answer is in: wait for that write.
    const message = await eventually(() =>
      sys.db
        .selectFrom("messages")
        .select(["status", "provider", "attempts", "expires_at"])
        .where("id", "=", delivered.id)
        .where("status", "=", "sent")
        .executeTakeFirst(),
    );
    assert.equal(message.provider, "webhook-2");
    assert.equal(message.attempts, 2);
    assert.ok(message.expires_at, "the message keeps its code's expiry");
  });
});
