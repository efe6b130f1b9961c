// One contract for every ThrottleStore: PostgreSQL and Redis must count, lock and forget alike, with
// time taken only from the `now` they are given (a test clock far from the wall clock included).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ThrottleStore } from "../../src/platform/throttle.ts";

export type ThrottleHarness = { store: ThrottleStore; close?(): Promise<void> };

const MIN = 60_000;

export function throttleContract(
  name: string,
  factory: () => Promise<ThrottleHarness>,
  options: { skip?: false | string } = {},
): void {
  describe(`ThrottleStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let h: ThrottleHarness;
    let n = 0;
    // Fresh keys per test; the start is years away from the wall clock on purpose.
    const key = () => `contract:${process.pid}:${++n}`;
    const t0 = new Date("2031-03-01T10:00:00Z").getTime();
    const at = (ms: number) => new Date(t0 + ms);
    before(async () => {
      h = await factory();
    });
    after(async () => {
      await h?.close?.();
    });

    test("counts hits within a window and reports its end", async () => {
      const k = key();
      assert.deepEqual(await h.store.hit(k, MIN, at(0)), {
        count: 1,
        windowEndsAt: at(MIN),
        lockedUntil: null,
      });
      const second = await h.store.hit(k, MIN, at(10_000));
      assert.equal(second.count, 2);
      assert.equal(second.windowEndsAt.getTime(), at(MIN).getTime(), "the window does not slide");
      assert.equal((await h.store.hit(k, MIN, at(MIN - 1))).count, 3);
    });

    test("a finished window starts again at 1", async () => {
      const k = key();
      await h.store.hit(k, MIN, at(0));
      await h.store.hit(k, MIN, at(1));
      const next = await h.store.hit(k, MIN, at(MIN));
      assert.equal(next.count, 1);
      assert.equal(next.windowEndsAt.getTime(), at(2 * MIN).getTime());
    });

    test("keys count apart", async () => {
      const [a, b] = [key(), key()];
      await h.store.hit(a, MIN, at(0));
      await h.store.hit(a, MIN, at(0));
      assert.equal((await h.store.hit(b, MIN, at(0))).count, 1);
    });

    test("concurrent hits are each counted once", async () => {
      const k = key();
      const counts = await Promise.all(Array.from({ length: 20 }, () => h.store.hit(k, MIN, at(0))));
      assert.deepEqual(
        counts.map((c) => c.count).sort((x, y) => x - y),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    test("a lock holds until its end, on any of the keys asked about", async () => {
      const [locked, free] = [key(), key()];
      await h.store.hit(locked, MIN, at(0));
      await h.store.hit(free, MIN, at(0));
      await h.store.lock(locked, at(5 * MIN), at(0));
      assert.deepEqual(await h.store.locks([locked, free], at(1)), new Map([[locked, at(5 * MIN)]]));
      assert.equal((await h.store.hit(locked, MIN, at(2))).lockedUntil?.getTime(), at(5 * MIN).getTime());
      assert.equal((await h.store.locks([locked], at(5 * MIN - 1))).size, 1);
      assert.equal((await h.store.locks([locked], at(5 * MIN))).size, 0, "over at its end");
      assert.equal((await h.store.locks([], at(0))).size, 0);
    });

    test("a longer lock replaces a shorter one", async () => {
      const k = key();
      await h.store.hit(k, MIN, at(0));
      await h.store.lock(k, at(MIN), at(0));
      await h.store.lock(k, at(4 * MIN), at(1));
      assert.equal((await h.store.locks([k], at(2 * MIN))).get(k)?.getTime(), at(4 * MIN).getTime());
    });

    test("clear forgets the count and the lock", async () => {
      const k = key();
      await h.store.hit(k, MIN, at(0));
      await h.store.hit(k, MIN, at(0));
      await h.store.lock(k, at(MIN), at(0));
      await h.store.clear(k);
      assert.equal((await h.store.locks([k], at(1))).size, 0);
      assert.equal((await h.store.hit(k, MIN, at(1))).count, 1);
    });

    test("release takes back one hit of a running window, never below zero", async () => {
      const k = key();
      await h.store.hit(k, MIN, at(0));
      await h.store.hit(k, MIN, at(0));
      await Promise.all([h.store.release(k), h.store.release(k), h.store.release(k)]);
      assert.equal((await h.store.hit(k, MIN, at(1))).count, 1);
      await h.store.release(key());
    });

    test("claimOnce accepts an id once among parallel claims, and again once it expired", async () => {
      const id = key();
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => h.store.claimOnce(id, at(MIN), at(0))),
      );
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal(await h.store.claimOnce(id, at(2 * MIN), at(MIN - 1)), false);
      assert.equal(await h.store.claimOnce(id, at(2 * MIN), at(MIN)), true, "expired claims are forgotten");
      await h.store.prune(at(10 * MIN));
      assert.equal(await h.store.claimOnce(id, at(11 * MIN), at(10 * MIN)), true);
    });

    test("prune keeps running windows and locks", async () => {
      const [running, locked] = [key(), key()];
      await h.store.hit(running, MIN, at(0));
      await h.store.hit(locked, MIN, at(0));
      await h.store.lock(locked, at(10 * MIN), at(0));
      await h.store.prune(at(2 * MIN));
      assert.equal((await h.store.locks([locked], at(2 * MIN))).size, 1);
      await h.store.prune(at(30 * MIN));
      assert.equal((await h.store.hit(running, MIN, at(30 * MIN))).count, 1);
    });
  });
}
