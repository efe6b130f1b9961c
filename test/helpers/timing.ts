// Where a test file's time goes. scripts/test.mjs preloads this (--import) into every test process
// with HOVIAT_TEST_TIMING=<dir>; each file's wall time, CPU time and time per category go to a
// record in <dir>, which test.mjs sums up: written as the file's process exits, or, in a worker that
// runs many files one after another (scripts/test-worker.mjs), as each file ends. Without the
// variable it records nothing.
// Categories overlap in time when a file runs things in parallel (a burst of 40 logins hashes 40
// times at once): they say where time goes, not a partition of the wall time.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

export type Category = "database" | "hashing" | "browser" | "waiting";

const dir = process.env.HOVIAT_TEST_TIMING;
const totals: Record<Category, number> = { database: 0, hashing: 0, browser: 0, waiting: 0 };

/** Adds the time `run` takes to `category`. */
export async function timed<T>(category: Category, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await run();
  } finally {
    totals[category] += performance.now() - start;
  }
}

/** Where the time of the file now running began: its wall clock, its CPU, the categories' sums. */
function mark() {
  return { at: performance.now(), cpu: process.cpuUsage(), totals: { ...totals } };
}

/**
 * Writes `file`'s record (its time since `since`) to <dir>/: its wall time, its CPU (this process's,
 * not its children's: servers it spawned, the browser; the measure a busy machine does not inflate)
 * and each category's time.
 */
function record(file: string, since: ReturnType<typeof mark>): void {
  if (!dir) return;
  const cpu = process.cpuUsage(since.cpu);
  const spent = Object.fromEntries(
    (Object.keys(totals) as Category[]).map((c) => [c, totals[c] - since.totals[c]]),
  );
  const name = file.startsWith(process.cwd()) ? file.slice(process.cwd().length + 1) : file;
  writeFileSync(
    join(dir, `${process.pid}-${Math.round(since.at)}.json`),
    JSON.stringify({
      file: name,
      wallMs: performance.now() - since.at,
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...spent,
    }),
  );
}

/** Runs `run` (a whole test file) and records its time as `file`'s (scripts/test-worker.mjs). */
export async function timeFile(file: string, run: () => Promise<void>): Promise<void> {
  const since = mark();
  try {
    await run();
  } finally {
    record(file, since);
  }
}

const file = process.argv[1] ?? "";
// A test file in a process of its own: its record is the whole process's, written as it exits.
if (dir && /\.test\.[cm]?[jt]s$/.test(file)) {
  const since = { at: 0, cpu: { user: 0, system: 0 }, totals: { ...totals } };
  process.on("exit", () => record(file, since));
}
if (dir) {
  // The hashing library and Playwright are CommonJS: a function replaced on their exports here, before
  // any test imports them, is the one every ES import of them then gets.
  const require = createRequire(import.meta.url);
  const argon2 = require("@node-rs/argon2") as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of ["hash", "verify"] as const) {
    const original = argon2[name] as (...a: unknown[]) => Promise<unknown>;
    argon2[name] = (...args: unknown[]) => timed("hashing", () => original(...args));
  }
  const { chromium } = require("playwright-core") as {
    chromium: { launch: (...a: unknown[]) => Promise<unknown> };
  };
  const launch = chromium.launch.bind(chromium);
  chromium.launch = (...args: unknown[]) => timed("browser", () => launch(...args));

  // Waiting: timers that test code sets (sleeps, polling), not the ones of the system under test.
  const original = globalThis.setTimeout;
  const testCode = /[/\\]test[/\\]/;
  const wrapped = ((callback: (...a: unknown[]) => void, delay?: number, ...rest: unknown[]) => {
    if (typeof callback !== "function" || !delay || delay < 10) return original(callback, delay, ...rest);
    const stack = new Error().stack ?? "";
    const caller = stack.split("\n")[2] ?? "";
    if (!testCode.test(caller) || caller.includes("node_modules")) return original(callback, delay, ...rest);
    const start = performance.now();
    return original(
      (...a: unknown[]) => {
        totals.waiting += performance.now() - start;
        callback(...a);
      },
      delay,
      ...rest,
    );
  }) as typeof setTimeout;
  // Keeps what hangs off setTimeout (util.promisify's custom form).
  Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original));
  globalThis.setTimeout = wrapped;
}
