// Runs every *.test.ts under src/ and test/ with Node's own test runner (through tsx), then prints
// the ten slowest files and where the time went (test/helpers/timing.ts records it in each file's
// process). `npm test -- <part of a path>…` runs the files whose path contains any of the parts.
// Files run one at a time: each API test file opens its own database, and PGlite is single-session.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
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
selected.sort();

const timing = mkdtempSync(join(tmpdir(), "hoviat-test-timing-"));
const started = performance.now();
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--import",
    resolve("test/helpers/timing.ts"),
    "--test",
    "--test-concurrency=1",
    "--test-reporter=spec",
    ...selected,
  ],
  { stdio: "inherit", env: { ...process.env, NODE_ENV: "test", HOVIAT_TEST_TIMING: timing } },
);
const wallMs = performance.now() - started;

const records = readdirSync(timing).map((f) => JSON.parse(readFileSync(join(timing, f), "utf8")));
rmSync(timing, { recursive: true, force: true });
const s = (ms) => `${(ms / 1000).toFixed(1)} s`.padStart(8);
const categories = ["database", "hashing", "browser", "waiting"];
console.log(`\n${selected.length} files in ${s(wallMs).trim()}; the ten slowest (seconds):`);
console.log(`${"file".padEnd(44)}    total ${categories.map((c) => c.padStart(8)).join(" ")}`);
for (const r of records.sort((a, b) => b.wallMs - a.wallMs).slice(0, 10)) {
  console.log(`${r.file.padEnd(44)} ${s(r.wallMs)} ${categories.map((c) => s(r[c])).join(" ")}`);
}
const sum = (k) => records.reduce((t, r) => t + r[k], 0);
console.log(
  `${"all files (summed over processes)".padEnd(44)} ${s(sum("wallMs"))} ${categories.map((c) => s(sum(c))).join(" ")}`,
);
process.exit(result.status ?? 1);
