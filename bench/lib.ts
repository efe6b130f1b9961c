// Helpers of the bench: server processes, load through wrk or autocannon, generated people, seeding by COPY.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon, { type Req, type Result } from "autocannon";
import { nationalIdCheckDigit } from "../src/domain/national-id.ts";

export const ROOT = resolve(import.meta.dirname, "..");
export const PASSWORD = "Hoviat2026x";
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The n-th valid national ID of a range (range 1..8 keeps the bench's groups of people apart). */
export function nationalId(range: number, n: number): string {
  const nine = String(range * 100_000_000 + n).padStart(9, "0");
  return `${nine}${nationalIdCheckDigit(nine)}`;
}
export const mobileOf = (range: number, n: number) => `09${range}${String(n).padStart(8, "0")}`;

export type Person = {
  nationalId: string;
  firstName: string;
  lastName: string;
  gender: "male" | "female";
  birthCertificateNumber: string;
  birthDate: string;
  mobiles: string[];
};
export function person(range: number, n: number): Person {
  return {
    nationalId: nationalId(range, n),
    firstName: "علی",
    lastName: `آزمون ${[...String(n)].map((d) => "ابپتثجچحخد"[Number(d)]).join("")}`,
    gender: n % 2 ? "male" : "female",
    birthCertificateNumber: String(1000 + (n % 9000)),
    birthDate: "1365/04/12",
    mobiles: [mobileOf(range, n)],
  };
}

/** A valid registration body (POST /api/registrations) for a generated person. */
export function registrationBody(p: Person, mobileProof?: string): string {
  return JSON.stringify({
    mobileProof,
    nationalId: p.nationalId,
    mobile: p.mobiles[0],
    firstName: p.firstName,
    lastName: p.lastName,
    gender: p.gender,
    birthCertificateNumber: p.birthCertificateNumber,
    birthDate: p.birthDate,
    email: `p${p.nationalId}@example.com`,
    securityAnswers: [
      { questionId: "q1", answer: "تهران" },
      { questionId: "q2", answer: "کریمی" },
      { questionId: "q3", answer: "آبی" },
    ],
    password: PASSWORD,
    passwordConfirmation: PASSWORD,
  });
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

export type Server = {
  child: ChildProcess;
  port: number;
  basePort: number;
  seconds: number;
  stderr: string[];
};

/** Starts `node <script>` and waits (bounded) until GET /healthz answers 200. */
// BENCH_START_TIMEOUT_S: a longer wait for machines busy with other work (an embedded start runs initdb).
const START_TIMEOUT_MS = Number(process.env.BENCH_START_TIMEOUT_S || 60) * 1000;
export async function startServer(script: string, env: Record<string, string>, timeoutMs = START_TIMEOUT_MS) {
  const port = await freePort();
  const basePort = await freePort();
  const started = performance.now();
  // BENCH_NODE_FLAGS: node flags of the server under test (e.g. `--cpu-prof --cpu-prof-dir=…`).
  const flags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...flags, script], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      BENCH_BASELINE_PORT: String(basePort),
      // src/main.ts also opens the internal listener: a free port, so runs never collide.
      OPS_PORT: "0",
      LOG_LEVEL: "warn",
      CI: "1",
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 50) stderr.shift();
  });
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, port, basePort, seconds: (performance.now() - started) / 1000, stderr };
    await sleep(25);
  }
  child.kill("SIGKILL");
  throw new Error(`${script} did not become healthy: ${stderr.join("").slice(-2000)}`);
}

/** Starts a server, retrying a few times: others edit src/ and a half-written file may stop a start. */
/** The middle value of `xs`. */
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The servers of a run on databases of its own (bench:scale): each started with `env` on `url`'s
 * database and a data folder of its own under one temporary folder, which `close` removes.
 */
export function serverSet(prefix: string, env: Record<string, string>) {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const servers: Server[] = [];
  const stopServers = async () => {
    for (const s of servers.splice(0)) await stopServer(s);
  };
  return {
    async start(url: string) {
      const s = await startWithRetry("bench/server.ts", {
        DATA_DIR: join(work, `data-${servers.length}`),
        DATABASE_URL: url,
        ...env,
      });
      servers.push(s);
      return s;
    },
    stopServers,
    async close() {
      await stopServers();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function startWithRetry(script: string, env: Record<string, string>, tries = 4) {
  for (let i = 1; ; i++) {
    try {
      return await startServer(script, env);
    } catch (error) {
      if (i >= tries) throw error;
      console.error(`  (start failed, retrying in 5 s: ${String(error).slice(0, 300)})`);
      await sleep(5_000);
    }
  }
}

export async function stopServer(server: Server, timeoutMs = 15_000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Resident memory of a process in MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * CPU seconds (user + system) a process (or one of its threads) has used so far, from /proc; 0 once
 * it is gone.
 */
export function cpuSeconds(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

export type Load = {
  rps: number;
  meanMs: number;
  p50: number;
  p99: number;
  total: number;
  codes: string;
  generator: Generator;
};
export type Generator = "wrk" | "autocannon";

/** wrk (C, one thread: the client costs the 2 cores almost nothing) where installed, else autocannon. */
export const GENERATOR: Generator =
  process.env.BENCH_GENERATOR === "autocannon" ||
  spawnSync("wrk", ["--version"], { stdio: "ignore" }).error !== undefined
    ? "autocannon"
    : "wrk";

type LoadOptions = {
  connections: number;
  seconds: number;
  body?: string;
  bodies?: () => string;
  headers?: () => Record<string, string>;
  /** With wrk: how many distinct requests to prepare when bodies or headers vary (then cycled). */
  distinct?: number;
};

/** Loads one POST route of 127.0.0.1 for `seconds` (bounded by amount and timeout too). */
export function load(port: number, path: string, options: LoadOptions): Promise<Load> {
  return GENERATOR === "wrk" ? loadWrk(port, path, options) : loadAutocannon(port, path, options);
}

async function loadWrk(port: number, path: string, options: LoadOptions): Promise<Load> {
  const varies = options.bodies !== undefined || options.headers !== undefined;
  const n = varies ? (options.distinct ?? 20_000) : 1;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = options.bodies?.() ?? options.body ?? "{}";
    const xff = options.headers?.()["x-forwarded-for"] ?? "";
    lines.push(`${xff}\t${body}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "hoviat-wrk-"));
  const file = join(dir, "requests.txt");
  writeFileSync(file, `${lines.join("\n")}\n`);
  const seconds = Math.max(1, Math.round(options.seconds));
  const args = ["-t1", `-c${options.connections}`, `-d${seconds}s`, "--timeout", "30s"];
  args.push("-s", join(ROOT, "bench", "wrk.lua"), `http://127.0.0.1:${port}`, "--", path, file);
  try {
    const out = await new Promise<string>((ok, fail) => {
      const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (d: Buffer) => {
        text += d.toString();
      });
      child.on("error", fail);
      child.on("exit", (code) => (code === 0 ? ok(text) : fail(new Error(`wrk: exit ${code}`))));
    });
    const line = out.split("\n").find((l) => l.startsWith('{"durationUs"'));
    if (!line) throw new Error(`wrk printed no result: ${out.slice(-500)}`);
    const r = JSON.parse(line) as {
      durationUs: number;
      requests: number;
      meanUs: number;
      p50Us: number;
      p99Us: number;
      errors: number;
      codes: Record<string, number>;
    };
    const counted = Object.values(r.codes).reduce((a, b) => a + b, 0);
    const codes = Object.entries(r.codes).map(([code, k]) => `${code}×${k}`);
    if (r.errors > 0) codes.push(`errors×${r.errors}`);
    return {
      rps: counted / (r.durationUs / 1e6),
      meanMs: r.meanUs / 1000,
      p50: r.p50Us / 1000,
      p99: r.p99Us / 1000,
      total: counted,
      codes: codes.join(" "),
      generator: "wrk",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loadAutocannon(port: number, path: string, options: LoadOptions): Promise<Load> {
  const json = { "content-type": "application/json" };
  const setupRequest = (req: Req): Req => ({
    ...req,
    ...(options.bodies ? { body: options.bodies() } : {}),
    headers: { ...json, ...(options.headers?.() ?? {}) },
  });
  const result: Result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    requests: [{ method: "POST", path, headers: json, body: options.body ?? "{}", setupRequest }],
  });
  const codes = Object.entries(result.statusCodeStats)
    .map(([code, s]) => `${code}×${s.count}`)
    .join(" ");
  const total = Object.values(result.statusCodeStats).reduce((n, s) => n + Number(s.count), 0);
  return {
    rps: total / result.duration,
    meanMs: result.latency.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total,
    codes,
    generator: "autocannon",
  };
}

export function countOf(l: Load, code: number): number {
  const m = new RegExp(`(?:^| )${code}×(\\d+)`).exec(l.codes);
  return m ? Number(m[1]) : 0;
}

/** Runs `node bench/argon.ts` in its own process and returns its JSON line. */
export function argonBaseline(mode: "verify" | "hash", concurrency: number, seconds: number) {
  return new Promise<{ opsPerSec: number; meanMs: number; cpuMs: number }>((ok, fail) => {
    const child = spawn(process.execPath, ["bench/argon.ts", mode, String(concurrency), String(seconds)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("exit", (code) =>
      code === 0 ? ok(JSON.parse(out)) : fail(new Error(`argon ${mode}: ${code}`)),
    );
  });
}

/** Runs psql (COPY ... FROM STDIN) writing `rows` CSV lines made by `line`, with back-pressure. */
export function copyRows(
  url: string,
  table: string,
  columns: string,
  rows: number,
  line: (i: number) => string,
) {
  return new Promise<void>((ok, fail) => {
    const copy = `\\copy ${table} (${columns}) from stdin with (format csv)`;
    const child = spawn("psql", [url, "-v", "ON_ERROR_STOP=1", "-qc", copy], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`psql copy ${table}: ${code}`))));
    let i = 0;
    const write = () => {
      while (i < rows) {
        let chunk = "";
        for (let j = 0; j < 5_000 && i < rows; j++, i++) chunk += `${line(i)}\n`;
        if (!child.stdin.write(chunk)) return void child.stdin.once("drain", write);
      }
      child.stdin.end();
    };
    write();
  });
}

/** COPYs accounts (active, one precomputed hash) and their active requests, numbered [from, to). */
export async function seedByCopy(url: string, range: number, from: number, to: number, phc: string) {
  const now = new Date().toISOString();
  const reqIds: string[] = [];
  for (let n = from; n < to; n++) reqIds.push(randomUUID());
  await copyRows(
    url,
    "registration_requests",
    "id, national_id, mobile, first_name, last_name, gender, birth_certificate_number, birth_date, email, status, next_attempt_at, created_at, decided_at",
    to - from,
    (i) => {
      const n = from + i;
      return `${reqIds[i]},${nationalId(range, n)},${mobileOf(range, n)},a,b,male,1,1365/04/12,e@x.org,active,${now},${now},${now}`;
    },
  );
  await copyRows(
    url,
    "accounts",
    "id, national_id, mobile, email, first_name, last_name, gender, birth_date, birth_certificate_number, status, password_hash, registration_request_id, created_at, updated_at, activated_at",
    to - from,
    (i) => {
      const n = from + i;
      return `${randomUUID()},${nationalId(range, n)},${mobileOf(range, n)},e@x.org,a,b,male,1365/04/12,1,active,"${phc}",${reqIds[i]},${now},${now},${now}`;
    },
  );
}

export async function postJson<T>(
  port: number,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(180_000),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * A mobileProof for the pair through the public step 1 (POST mobile-verification, the code read from
 * the development outbox as the person would read the SMS, POST confirm): registration needs one each.
 * `from` is sent as X-Forwarded-For (for a server with TRUST_PROXY), the person's own address.
 */
export async function mobileProof(
  port: number,
  nationalId: string,
  mobile: string,
  from?: string,
): Promise<string> {
  const headers: Record<string, string> = from ? { "x-forwarded-for": from } : {};
  const { verificationId } = await postJson<{ verificationId: string }>(
    port,
    "/api/registrations/mobile-verification",
    { nationalId, mobile },
    headers,
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/api/dev/outbox?to=${mobile}`);
    const rows = (await res.json()) as { text: string }[];
    // Newest first: the code just asked for.
    const code = rows[0]?.text.match(/(?<!\d)(\d{6})(?!\d)/)?.[1];
    if (code) {
      const url = `/api/registrations/mobile-verification/${verificationId}/confirm`;
      return (await postJson<{ mobileProof: string }>(port, url, { code }, headers)).mobileProof;
    }
    if (Date.now() > deadline) throw new Error(`no step-1 code reached ${mobile}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
