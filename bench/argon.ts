// Baseline process: raw @node-rs/argon2 at the project's parameters, `concurrency` operations in
// flight for `seconds` (bounded by a count too). Prints one JSON line: {opsPerSec, meanMs, ops, cpuMs}
// (cpuMs: this process's CPU per operation while measuring, the hash's own cost).
// Usage: node bench/argon.ts verify|hash <concurrency> <seconds>
import { hash, verify } from "@node-rs/argon2";
import { ARGON2_PARAMS } from "../src/platform/passwords.ts";

const [mode = "verify", c = "2", s = "3"] = process.argv.slice(2);
const concurrency = Number(c);
const seconds = Number(s);
const password = "Hoviat2026x";
const phc = await hash(password, ARGON2_PARAMS);
const maxOps = 100_000;

let ops = 0;
let busyMs = 0;
const end = performance.now() + seconds * 1000;
const started = performance.now();
const cpu = process.cpuUsage();
async function lane(): Promise<void> {
  while (performance.now() < end && ops < maxOps) {
    const t = performance.now();
    if (mode === "hash") await hash(password, ARGON2_PARAMS);
    else await verify(phc, password);
    busyMs += performance.now() - t;
    ops++;
  }
}
await Promise.all(Array.from({ length: concurrency }, lane));
const elapsed = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
const cpuMs = (used.user + used.system) / 1000 / ops;
console.log(JSON.stringify({ opsPerSec: ops / elapsed, meanMs: busyMs / ops, ops, cpuMs }));
