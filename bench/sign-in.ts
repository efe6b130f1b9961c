// The whole sign-in of a citizen (issue 19 item 8), driven through the public routes as a browser does:
// password + remembered browser (one request, next "done"), password + SMS code (both requests, the
// code read from the development outbox as the person reads the SMS), and a passkey alone (options, then
// the assertion of a software authenticator). For each, the CPU of a sign-in beyond its hash (server,
// PGlite inside it or PostgreSQL's backends) beside the raw argon2id verify, and for passkeys a raw
// ECDSA P-256 verify, of the same run. Rate limits are on, each request from an address of its own.
import { createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import { relyingPartyOf } from "../src/flows/passkeys/webauthn.ts";
import { SoftwareAuthenticator } from "../test/helpers/webauthn.ts";
import {
  argonBaseline,
  cpuSeconds,
  mobileOf,
  nationalId,
  PASSWORD,
  postJson,
  type Server,
  sleep,
} from "./lib.ts";
import { backendPids, type Row, row, type Settings } from "./scenarios.ts";

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/** The bench's people of each sign-in (range 5, apart from the login rows' 0–2,999). */
const REMEMBERED = 10_000;
const SMS = 20_000;
const PASSKEY = 30_000;
/** SMS sign-ins go to accounts in turn: each may be sent 5 codes an hour (SIGN_IN_CODE_LIMITS). */
const SMS_ACCOUNTS = 1_000;
const who = (base: number, n: number) => ({
  nationalId: nationalId(5, base + n),
  mobile: mobileOf(5, base + n),
});

type Answer = { status: number; body: Record<string, unknown>; cookies: Record<string, string> };

let address = 0;
/** An address of its own for each request (TRUST_PROXY=1), as many people behind one proxy. */
const nextAddress = () => `10.3.${(++address >> 8) & 255}.${address & 255}`;

async function call(
  port: number,
  method: "GET" | "POST",
  path: string,
  options: { body?: unknown; cookie?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { "x-forwarded-for": nextAddress() };
  if (options.cookie) headers.cookie = options.cookie;
  if (method === "POST") headers["content-type"] = "application/json";
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers,
    ...(method === "POST" ? { body: JSON.stringify(options.body ?? {}) } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  const cookies: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const at = pair!.indexOf("=");
    cookies[pair!.slice(0, at)] = pair!.slice(at + 1);
  }
  return { status: res.status, body: text ? JSON.parse(text) : {}, cookies };
}

function expect(a: Answer, status: number, what: string, next?: string) {
  if (a.status !== status || (next && a.body.next !== next)) {
    throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
  }
}

/** Reads of the development outbox (GET /api/dev/outbox): counted, so that their CPU is taken out. */
class Outbox {
  reads = 0;
  private seen = new Map<string, number>();
  private readonly port: number;
  constructor(port: number) {
    this.port = port;
  }

  /** The code of the next SMS to `mobile` (after those already seen), as the person reads it. */
  async code(mobile: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    const before = this.seen.get(mobile) ?? 0;
    for (;;) {
      await sleep(10);
      this.reads++;
      const res = await fetch(`http://127.0.0.1:${this.port}/api/dev/outbox?to=${mobile}`);
      const rows = (await res.json()) as { text: string }[];
      // Newest first: the code just sent.
      const code = rows.length > before ? rows[0]?.text.match(/(?<!\d)(\d{6})(?!\d)/)?.[1] : undefined;
      if (code) {
        this.seen.set(mobile, rows.length);
        return code;
      }
      if (Date.now() > deadline) throw new Error(`no sign-in code reached ${mobile}`);
    }
  }
}

/** Password, then the SMS code: the full session's cookie, and the remembered browser's when asked. */
async function signInBySms(
  port: number,
  outbox: Outbox,
  p: { nationalId: string; mobile: string },
  remember = false,
) {
  const first = await call(port, "POST", "/api/login", {
    body: { nationalId: p.nationalId, password: PASSWORD },
  });
  expect(first, 200, "login", "second_factor");
  if (first.body.method !== "sms") throw new Error(`login: method ${String(first.body.method)}`);
  const code = await outbox.code(p.mobile);
  const second = await call(port, "POST", "/api/login/second-factor", {
    body: { method: "sms", code, ...(remember ? { rememberBrowser: true } : {}) },
    cookie: `hoviat_session=${first.cookies.hoviat_session}`,
  });
  expect(second, 200, "second factor", "done");
  return { session: second.cookies.hoviat_session!, device: second.cookies.hoviat_device };
}

/** `lanes` sign-ins in flight for `seconds`; lane k calls `once(k, i)` for its i-th sign-in. */
async function drive(seconds: number, lanes: number, once: (lane: number, i: number) => Promise<void>) {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let busyMs = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = 0; performance.now() < end; i++) {
        const t = performance.now();
        await once(lane, i);
        busyMs += performance.now() - t;
        done++;
      }
    }),
  );
  return { done, perSecond: done / ((performance.now() - started) / 1000), meanMs: busyMs / done };
}

/**
 * CPU seconds of the server process and the bench database's backends while `work` runs, per process
 * (a backend that ends meanwhile is left out rather than counted negative; one that starts, from 0).
 */
async function cpuOf<T>(server: Server, dbUrl: string | undefined, work: () => Promise<T>) {
  const pid = server.child.pid!;
  const backends = await backendPids(dbUrl);
  const start = new Map(backends.map((p) => [p, cpuSeconds(p)]));
  const [server0, main0] = [cpuSeconds(pid), cpuSeconds(pid, pid)];
  const result = await work();
  for (const p of await backendPids(dbUrl)) if (!start.has(p)) start.set(p, 0);
  let database = 0;
  for (const [p, before] of start) database += Math.max(0, cpuSeconds(p) - before);
  const all = cpuSeconds(pid) - server0;
  // The event loop's thread, and the rest of the server (libuv's pool, V8's collector and compilers).
  const main = cpuSeconds(pid, pid) - main0;
  return { result, cpu: all + database, main, others: all - main, database, backends: start.size };
}

/** Raw ECDSA P-256 (ES256) verifies in this process: CPU per verify, as a passkey assertion needs one. */
function ecdsaBaseline(ms: number) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const data = Buffer.concat([Buffer.alloc(37, 1), createHash("sha256").update("client data").digest()]);
  const signature = sign("sha256", data, privateKey);
  const cpu = process.cpuUsage();
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) {
    if (!verify("sha256", data, publicKey, signature)) throw new Error("ECDSA verify failed");
    n++;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / n;
}

/** Statements per sign-in, in all and the most frequent (POST /bench/statements counts them). */
async function statementsPer(server: Server, n: number) {
  const counted = await postJson<Record<string, number>>(server.basePort, "/bench/statements", {});
  const all = Object.values(counted).reduce((a, b) => a + b, 0);
  const top = Object.entries(counted)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([text, k]) => `${f(k / n, 2)} × ${text.slice(0, 80)}`);
  return { perSignIn: all / n, top };
}

export const SIGN_IN_IDS = ["signin.remembered", "signin.sms", "signin.passkey"];

export async function signInRows(server: Server, s: Settings, dbUrl: string | undefined): Promise<Row[]> {
  const { port } = server;
  const c = s.cores * 2;
  const people = Math.max(s.quick ? 8 : 40, c);
  const remembered = Array.from({ length: people }, (_, n) => who(REMEMBERED, n));
  const withPasskey = Array.from({ length: people }, (_, n) => who(PASSKEY, n));
  const smsPeople = Array.from({ length: SMS_ACCOUNTS }, (_, n) => who(SMS, n));
  await postJson(server.basePort, "/bench/seed", {
    accounts: [...remembered, ...withPasskey, ...smsPeople],
    pending: [],
  });
  const outbox = new Outbox(port);

  // Made once per person through the public routes: a remembered browser, a passkey.
  const devices: string[] = [];
  const origin = relyingPartyOf(`http://127.0.0.1:${port}`).origins[0]!;
  const authenticators: SoftwareAuthenticator[] = [];
  const setUp = async (k: number) => {
    const { device } = await signInBySms(port, outbox, remembered[k]!, true);
    if (!device) throw new Error("no hoviat_device cookie");
    devices[k] = device;
    const { session } = await signInBySms(port, outbox, withPasskey[k]!);
    const cookie = `hoviat_session=${session}`;
    const options = await call(port, "POST", "/api/account/passkeys/registration/options", {
      body: { currentPassword: PASSWORD },
      cookie,
    });
    expect(options, 200, "passkey options");
    const authenticator = new SoftwareAuthenticator(origin);
    const response = authenticator.create(options.body as Parameters<SoftwareAuthenticator["create"]>[0]);
    expect(
      await call(port, "POST", "/api/account/passkeys/registration", { body: { response }, cookie }),
      201,
      "passkey registration",
    );
    authenticators[k] = authenticator;
  };
  for (let k = 0; k < people; k += c) {
    await Promise.all(Array.from({ length: Math.min(c, people - k) }, (_, j) => setUp(k + j)));
  }

  const argon = await argonBaseline("verify", c, s.quick ? 2 : 4);
  const ecdsaMs = ecdsaBaseline(s.quick ? 300 : 1_000);
  await sleep(500);
  // The server at rest for a second: its background work (job polling, sweeps) per second, for reading
  // the rows below (not subtracted from them).
  const idle = await cpuOf(server, dbUrl, () => sleep(1_000));
  const seconds = s.quick ? 2 : 8;
  const target = dbUrl ? 2 : 4;
  const rows: Row[] = [];
  const measure = async (
    id: string,
    scenario: string,
    lanes: number,
    once: (lane: number, i: number) => Promise<void>,
    beyond: { label: string; ms: number },
  ) => {
    // Unmeasured first: the first calls of a path compile it.
    await drive(s.quick ? 0.5 : 2, lanes, once);
    await statementsPer(server, 1);
    outbox.reads = 0;
    const used = await cpuOf(server, dbUrl, () => drive(seconds, lanes, once));
    const stats = await statementsPer(server, used.result.done);
    return { ...used, stats, beyond, id, scenario };
  };
  type Used = { cpu: number; main: number; others: number; database: number };
  const report = (m: Awaited<ReturnType<typeof measure>>, out?: Used, outNote = "") => {
    const ms = (k: keyof Used) => ((m[k] - (out?.[k] ?? 0)) * 1000) / m.result.done;
    const perSignInMs = ms("cpu");
    const outside = perSignInMs - m.beyond.ms;
    const split = `event loop ${f(ms("main"), 2)} ms, other server threads ${f(ms("others"), 2)} ms${dbUrl ? `, PostgreSQL ${f(ms("database"), 2)} ms` : ""}`;
    console.log(
      `  ${m.id}: ${f(outside, 2)} ms beyond the ${m.beyond.label}; ${split}; ${f(m.stats.perSignIn)} statements per sign-in\n    ${m.stats.top.join("\n    ")}`,
    );
    const where = dbUrl ? `server + ${m.backends} PostgreSQL backends` : "server with PGlite inside";
    rows.push(
      row({
        id: m.id,
        scenario: m.scenario,
        project: `${f(outside, 2)} ms CPU beyond the ${m.beyond.label} (${f(perSignInMs, 2)} ms per sign-in, ${where}; ${m.result.done} sign-ins, ${f(m.result.perSecond)}/s, mean ${f(m.result.meanMs)} ms)`,
        baseline: `${f(argon.cpuMs, 2)} ms CPU per raw argon2id verify${m.id === "signin.passkey" ? `; ${f(ecdsaMs, 3)} ms per raw ECDSA P-256 verify` : ""}`,
        ratio: null,
        target: `≤ ${target} ms beyond the ${m.beyond.label}`,
        pass: outside <= target,
        generator: `fetch, ${m.id === "signin.sms" ? 2 * c : c} lanes`,
        note: [
          `per sign-in: ${split}`,
          `idle server ${f(idle.cpu * 1000, 1)} ms CPU/s`,
          outNote,
          `${f(m.stats.perSignIn)} statements per sign-in`,
          ...m.stats.top,
        ]
          .filter(Boolean)
          .join(" | "),
      }),
    );
  };

  // Password + remembered browser: one request, answered next "done" with a full session.
  report(
    await measure(
      "signin.remembered",
      "sign-in: password + remembered browser (POST /api/login → done)",
      c,
      async (lane, i) => {
        const k = (i * c + lane) % people;
        const a = await call(port, "POST", "/api/login", {
          body: { nationalId: remembered[k]!.nationalId, password: PASSWORD },
          cookie: `hoviat_device=${devices[k]}`,
        });
        expect(a, 200, "remembered sign-in", "done");
      },
      { label: "hash", ms: argon.cpuMs },
    ),
  );

  // Password + SMS code: both requests, the code from the outbox. More lanes: each waits for its SMS.
  let nextSms = 0;
  const sms = await measure(
    "signin.sms",
    "sign-in: password + SMS code (POST /api/login, then /api/login/second-factor)",
    c * 2,
    async () => {
      await signInBySms(port, outbox, smsPeople[nextSms++ % SMS_ACCOUNTS]!);
    },
    { label: "hash", ms: argon.cpuMs },
  );
  // The outbox reads are the bench's, not the sign-in's: the same number again alone, and taken out.
  const reads = outbox.reads;
  const alone = await cpuOf(server, dbUrl, async () => {
    let r = 0;
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (r++ < reads) {
          const mobile = smsPeople[r % SMS_ACCOUNTS]!.mobile;
          await (await fetch(`http://127.0.0.1:${port}/api/dev/outbox?to=${mobile}`)).arrayBuffer();
        }
      }),
    );
  });
  report(sms, alone, `${reads} outbox reads (${f((alone.cpu * 1000) / reads, 2)} ms each alone) taken out`);

  // A passkey alone: options, then the assertion. Each lane has its own people, so that one
  // authenticator never answers twice at once (its counter must grow).
  report(
    await measure(
      "signin.passkey",
      "sign-in: passkey alone (POST /api/passkeys/authentication/options, then /authentication)",
      c,
      async (lane, i) => {
        const k = lane + c * (i % Math.floor(people / c));
        const options = await call(port, "POST", "/api/passkeys/authentication/options");
        expect(options, 200, "passkey options");
        const response = authenticators[k]!.get(options.body as Parameters<SoftwareAuthenticator["get"]>[0]);
        expect(
          await call(port, "POST", "/api/passkeys/authentication", { body: { response } }),
          200,
          "passkey sign-in",
          "done",
        );
      },
      { label: "ECDSA verify", ms: ecdsaMs },
    ),
  );
  return rows;
}
