// Runs every *.test.ts under src/ and test/ with Node's own test runner (and Node's own TypeScript
// type stripping: the code uses erasable syntax only, tsconfig's erasableSyntaxOnly), then prints
// the ten slowest files (TEST_SLOWEST=<n>: n of them) and where the time went (test/helpers/timing.ts
// records it in each file's process). `npm test -- <part of a path>…` runs the files whose path contains any of the parts.
import { fork, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const roots = ["src", "test"];
const only = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "e2e" || process.env.E2E !== "0") walk(path);
    } else if (name.endsWith(".test.ts")) files.push(path);
  }
};
for (const root of roots) walk(root);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
// Longest first, by the durations an earlier run on this machine left (unknown files first of all,
// then by name), so that the last minutes are not one long file alone on a core.
const durationsFile = join(tmpdir(), "hoviat-test-durations.json");
const known = (() => {
  try {
    return JSON.parse(readFileSync(durationsFile, "utf8"));
  } catch {
    return {};
  }
})();
selected.sort((a, b) => (known[b] ?? Infinity) - (known[a] ?? Infinity) || a.localeCompare(b));

// The test processes' temporary folder (TMPDIR): each test system's data folder (a 41 MB copy of the
// template, 1,200 files), the template itself, the browsers' profiles. In memory when /dev/shm has
// room: a copy there costs a seventh of the CPU that one on disk does. TEST_TMPDIR chooses another.
const testTmp = (() => {
  if (process.env.TEST_TMPDIR) return process.env.TEST_TMPDIR;
  try {
    const shm = statfsSync("/dev/shm");
    if (shm.bavail * shm.bsize < 2 * 1024 ** 3) return undefined;
    const dir = "/dev/shm/hoviat-test";
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  } catch {
    return undefined;
  }
})();
const tmp = testTmp ? { TMPDIR: testTmp } : {};

const started = performance.now();
// One migrated database for the run, copied by each test system (test/helpers/template.ts).
const helper = (step, env) =>
  spawnSync(process.execPath, ["test/helpers/template.ts", step], {
    env: { ...process.env, NODE_ENV: "test", ...tmp, ...env },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
  });
const made = helper("create", {});
if (made.status !== 0) process.exit(made.status ?? 1);
const template = JSON.parse(made.stdout);
const timing = mkdtempSync(join(tmpdir(), "hoviat-test-timing-"));
const templateMs = performance.now() - started;
// Files share nothing (each system its own data folder or database, its own Redis prefix, ports from
// the kernel, browser tests a browser of their own), so they run side by side, one more than there
// are cores (TEST_CONCURRENCY overrides). Those that time themselves against a bound, measure the
// process or change what the whole process shares run after them, alone, each in a process of its
// own; TEST_E2E_SERIAL=1 adds the browser and multi-process files to them
// (for a machine busy with other work, where Playwright's 30 s and the 90 s start-up bounds are tight).
const SERIAL = [
  "test/challenge.test.ts", // a refused request waits 300 ms, a served one must take less
  "test/e2e/challenge.test.ts", // solve times under 4x CPU throttling
  "src/platform/memory-release.test.ts", // the process's own heap
  "src/platform/passwords.test.ts", // sets the hash's cost for the rest of its process
  ...(process.env.TEST_E2E_SERIAL === "1"
    ? ["test/e2e/", "test/multi-instance", "test/npm-start.test.ts"]
    : []),
];
// One worker more than there are cores: a file spends much of its time waiting for what it started
// (Chromium drawing a page, a server process starting, a test's own timers), and on two cores two
// workers kept the CPU less than half busy.
const concurrency = Number(process.env.TEST_CONCURRENCY) || availableParallelism() + 1;
const serial = selected.filter((f) => SERIAL.some((part) => f.replaceAll("\\", "/").startsWith(part)));
// The web client's own unit tests import its .tsx modules, which only a compiler reads (Node strips
// types, it does not transform JSX): they run through tsx (esbuild, as the bundle is built).
const client = selected.filter((f) => f.replaceAll("\\", "/").startsWith("src/web/client/"));
const parallel = selected.filter((f) => !serial.includes(f) && !client.includes(f));
// V8's compiled code of every module kept between the files' processes (and runs): each file's process
// loads the whole system again, ~1.6 s of CPU of which this saves a tenth.
const compileCache = join(tmpdir(), "hoviat-test-compile-cache");
const env = {
  NODE_COMPILE_CACHE: compileCache,
  ...process.env,
  NODE_ENV: "test",
  ...tmp,
  HOVIAT_TEST_TIMING: timing,
  ...template,
};
// Each worker (scripts/test-worker.mjs) runs files one after another in its process, asking for the
// next as one ends: what every file loads (the whole system, ~0.8 s of CPU) is loaded once per worker,
// not once per file. Each writes its full report to a file of its own, printed at the end; the live
// output is a line per file and each failure as it happens (scripts/test-progress.mjs).
const reports = [];
const pool = (files, n, loader = []) => {
  const queue = [...files];
  const workers = Array.from({ length: Math.min(n, queue.length) }, () => {
    const report = join(timing, `report-${reports.length + 1}.txt`);
    reports.push(report);
    const child = fork(resolve("scripts/test-worker.mjs"), [], {
      execArgv: [
        ...loader,
        "--import",
        resolve("test/helpers/timing.ts"),
        "--test-reporter=spec",
        `--test-reporter-destination=${report}`,
        `--test-reporter=${resolve("scripts/test-progress.mjs")}`,
        "--test-reporter-destination=stdout",
      ],
      env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", () => child.send({ file: queue.shift() }));
    return new Promise((done) => child.on("exit", (code) => done(code ?? 1)));
  });
  return Promise.all(workers).then((codes) => Math.max(0, ...codes));
};
let status = Math.max(
  await pool(parallel, concurrency),
  await pool(client, concurrency, ["--import", "tsx"]),
);
// Alone, and each in a process of its own.
for (const file of serial) status = Math.max(status, await pool([file], 1));
for (const report of reports) {
  if (existsSync(report)) process.stdout.write(readFileSync(report, "utf8"));
}
if (template.HOVIAT_TEST_TEMPLATE_DB) helper("drop", template);
const wallMs = performance.now() - started;

const records = readdirSync(timing)
  .filter((f) => f.endsWith(".json"))
  .map((f) => JSON.parse(readFileSync(join(timing, f), "utf8")));
rmSync(timing, { recursive: true, force: true });
for (const r of records) known[r.file] = Math.round(r.wallMs);
writeFileSync(durationsFile, JSON.stringify(known));
const slowest = Number(process.env.TEST_SLOWEST) || 10;
const s = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
const categories = ["database", "hashing", "browser", "waiting"];
console.log(
  `\n${selected.length} files in ${s(wallMs).trim()} (the template database: ${s(templateMs).trim()}); the ${slowest === 10 ? "ten" : slowest} slowest:`,
);
console.log(`${"file".padEnd(44)}    total      cpu ${categories.map((c) => c.padStart(8)).join(" ")}`);
for (const r of records.sort((a, b) => b.wallMs - a.wallMs).slice(0, slowest)) {
  console.log(
    `${r.file.padEnd(44)} ${s(r.wallMs)} ${s(r.cpuMs)} ${categories.map((c) => s(r[c])).join(" ")}`,
  );
}
const sum = (k) => records.reduce((t, r) => t + r[k], 0);
console.log(
  `${"all files (summed over processes)".padEnd(44)} ${s(sum("wallMs"))} ${s(sum("cpuMs"))} ${categories.map((c) => s(sum(c))).join(" ")}`,
);
process.exit(status);
