// The courier's record of a send: when the database connection is lost between the gateway's 200 and
// the "sent" mark, the mark is tried again, so the message is not posted a second time (issue 12).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  sql,
} from "kysely";
import { RECORD_TRIES, sendMessage, sendMessages } from "../src/flows/courier/courier.ts";
import type { OutgoingSms, SmsSender } from "../src/ports/sms.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
before(async () => {
  sys = await startTestSystem();
});
after(() => sys.stop());

/** Fails the next `n` UPDATEs the way a terminated session does (pg's message, before any reply). */
class LostUpdates implements KyselyPlugin {
  n: number;
  constructor(n: number) {
    this.n = n;
  }
  transformQuery(args: PluginTransformQueryArgs) {
    if (args.node.kind === "UpdateQueryNode" && this.n > 0) {
      this.n--;
      throw new Error("Connection terminated unexpectedly");
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

function gateway() {
  const posts: OutgoingSms[] = [];
  return {
    posts,
    sender: { name: "webhook", send: async (m: OutgoingSms) => void posts.push(m) },
  };
}

async function queued(to: string): Promise<string> {
  const id = crypto.randomUUID();
  await sys.db
    .insertInto("messages")
    .values({
      id,
      channel: "sms",
      recipient: to,
      template: "test",
      body: "کد 123456",
      dedupe_key: `courier-record:${id}`,
      contains_code: true,
      status: "queued",
      next_attempt_at: sys.clock.now(),
      created_at: sys.clock.now(),
    })
    .execute();
  return id;
}

/** As if SEND_CLAIM had passed on the database's clock (a crashed sender's claim runs out). */
const expireClaim = (id: string) =>
  sql`update messages set sending_until = now() - interval '1 second' where id = ${id}`.execute(sys.db);

const row = (id: string) =>
  sys.db.selectFrom("messages").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

function deps(lost: LostUpdates, sms: SmsSender, pauses: number[]) {
  return {
    db: sys.db.withPlugin(lost),
    jobs: sys.jobs,
    sms,
    email: { name: "none", send: async () => {} },
    clock: sys.clock,
    pause: async (ms: number) => void pauses.push(ms),
  };
}

test("a sent mark lost to the database is written on a later try: one post, the message sent", async () => {
  const id = await queued("09121111111");
  const sms = gateway();
  const pauses: number[] = [];
  await sendMessage(deps(new LostUpdates(RECORD_TRIES - 1), sms.sender, pauses), id);
  assert.deepEqual(
    sms.posts.map((p) => p.id),
    [id],
  );
  const message = await row(id);
  assert.equal(message.status, "sent");
  assert.equal(message.attempts, 1);
  assert.doesNotMatch(message.body, /123456/, "the code is redacted once sent");
  assert.deepEqual(pauses, [250, 500, 1000, 2000, 4000]);
});

test("a database away longer than the tries: the message stays queued and its resend keeps the id", async () => {
  const id = await queued("09122222222");
  const sms = gateway();
  await assert.rejects(
    sendMessage(deps(new LostUpdates(RECORD_TRIES), sms.sender, []), id),
    /Connection terminated/,
  );
  assert.equal((await row(id)).status, "queued");
  // Its claim holds it for SEND_CLAIM: nobody posts it again while the first send may be under way.
  await sendMessage(deps(new LostUpdates(0), sms.sender, []), id);
  assert.deepEqual(
    sms.posts.map((p) => p.id),
    [id],
  );
  await expireClaim(id);
  await sendMessage(deps(new LostUpdates(0), sms.sender, []), id);
  assert.deepEqual(
    sms.posts.map((p) => p.id),
    [id, id],
    "the one resend carries the same id, the gateway's idempotency key",
  );
  assert.equal((await row(id)).status, "sent");
});

test("an error that is not the database going away is not retried", async () => {
  const id = await queued("09123333333");
  const sms = gateway();
  const pauses: number[] = [];
  const failing: KyselyPlugin = {
    transformQuery(args) {
      if (args.node.kind === "UpdateQueryNode") throw new Error("value too long for type");
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  await assert.rejects(
    sendMessage({ ...deps(new LostUpdates(0), sms.sender, pauses), db: sys.db.withPlugin(failing) }, id),
    /value too long/,
  );
  assert.deepEqual(pauses, []);
});

test("a send is claimed on the database's clock: a second sender at the same time, or with its clock an hour ahead, posts nothing", async () => {
  const id = await queued("09124444444");
  const posts: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The first post hangs at the gateway until released; the second sender comes meanwhile.
  const slow = {
    name: "webhook",
    send: async (m: OutgoingSms) => {
      posts.push(m.id);
      await held;
    },
  };
  const ahead = { now: () => new Date(Date.now() + 3_600_000) };
  const first = sendMessage(deps(new LostUpdates(0), slow, []), id);
  await new Promise((r) => setTimeout(r, 50));
  await sendMessage({ ...deps(new LostUpdates(0), slow, []), clock: ahead }, id);
  await Promise.all([
    sendMessage(deps(new LostUpdates(0), slow, []), id),
    sendMessage(deps(new LostUpdates(0), slow, []), id),
  ]);
  release();
  await first;
  assert.deepEqual(posts, [id], "posted once");
  const message = await row(id);
  assert.equal(message.status, "sent");
  assert.equal(message.sending_until, null, "the claim ends with the send");
});

test("one batch, one recipient: the messages go out oldest first, others' side by side", async () => {
  // Two codes to one phone in a batch (the second replaced the first): posted in parallel, a slow
  // first post let the new code arrive before the old one, which the person would then type.
  const order: string[] = [];
  let slow = true;
  const sms: SmsSender = {
    name: "webhook",
    send: async (m: OutgoingSms) => {
      if (slow) {
        slow = false;
        await new Promise((r) => setTimeout(r, 50));
      }
      order.push(m.id);
    },
  };
  const first = await queued("09120000101");
  const second = await queued("09120000101");
  const other = await queued("09120000102");
  await sendMessages(deps(new LostUpdates(0), sms, []), [first, second, other]);
  assert.deepEqual(order, [other, first, second]);
});
