import assert from "node:assert/strict";
import { mock, test } from "node:test";
import v8 from "node:v8";
import { releaseMemory, releaseMemoryWhenIdle } from "./memory-release.ts";

const newSpaceMiB = () =>
  v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!.space_size / 2 ** 20;

test("a memory-reducing collection gives back the young generation that a burst of allocations grew", () => {
  let kept: object[] = [];
  for (let i = 0; i < 2_000_000; i++) {
    kept.push({ i, text: `row ${i}` });
    if (kept.length > 200_000) kept = kept.slice(100_000);
  }
  kept = [];
  const grown = newSpaceMiB();
  assert.ok(grown >= 16, `the burst grew the young generation to ${grown} MiB`);
  releaseMemory();
  assert.ok(newSpaceMiB() <= grown / 4, `${newSpaceMiB()} MiB left of ${grown}`);
});

test("memory is released once when the process falls idle after work, not while it works or stays idle", () => {
  mock.timers.enable({ apis: ["setInterval"] });
  try {
    let cpu = 0;
    const releases: number[] = [];
    const stop = releaseMemoryWhenIdle({
      intervalMs: 1_000,
      idleShare: 0.02,
      cpuMs: () => cpu,
      release: () => 7,
      onRelease: (pause) => releases.push(pause),
    });
    const interval = (cpuMs: number) => {
      cpu += cpuMs;
      mock.timers.tick(1_000);
    };
    interval(5); // idle from the start: nothing to give back
    assert.equal(releases.length, 0);
    interval(600); // work
    interval(900);
    assert.equal(releases.length, 0);
    interval(10); // idle after work: once
    assert.deepEqual(releases, [7]);
    interval(3);
    interval(0);
    assert.equal(releases.length, 1);
    interval(400);
    interval(1);
    assert.equal(releases.length, 2);
    stop();
    interval(500);
    interval(0);
    assert.equal(releases.length, 2);
  } finally {
    mock.timers.reset();
  }
});
