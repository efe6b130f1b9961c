// `npm run bench:oidc [-- --quick]`: the token endpoint (code exchange with PKCE, then refresh with
// rotation), requests per second, Hoviat's provider vs a bare oidc-provider with default settings on
// the same database adapter, measured in the same run and process (embedded PGlite, or DATABASE_URL
// as given). Codes and refresh tokens are minted through each provider's models beforehand, so the
// figure is the token endpoint alone, not the sign-in. Refresh is also measured against a bare provider
// that rotates refresh tokens as Hoviat does (the default one does not, for confidential clients).
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Provider, { type Configuration } from "oidc-provider";
import pg from "pg";
import { databaseAdapter } from "../src/flows/oidc/adapter.ts";
import { systemClock } from "../src/platform/clock.ts";
import { loadConfig } from "../src/platform/config.ts";
import { hashSecret } from "../src/platform/passwords.ts";
import { startSystem } from "../src/system.ts";
import { ROOT } from "./lib.ts";

const quick = process.argv.includes("--quick");
const COUNT = quick ? 600 : 1500;
const ROUNDS = 3;
const WARMUP = 50;
const CONCURRENCY = 8;
const SECRET = "bench-client-secret-of-at-least-32-characters";
const REDIRECT = "http://127.0.0.1:1/cb";
const dir = mkdtempSync(join(tmpdir(), "hoviat-bench-oidc-"));
const clientsFile = join(dir, "clients.json");
const client = {
  client_id: "bench",
  client_secret: SECRET,
  client_name: "بنچ",
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: "client_secret_basic",
};
writeFileSync(clientsFile, JSON.stringify({ clients: [client] }));

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const free = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return free;
}
const port = await freePort();
// On PostgreSQL, a database of its own made from DATABASE_URL (and dropped after), as bench/run.ts does.
const adminUrl = process.env.DATABASE_URL || undefined;
const dbName = `hoviat_bench_oidc_${process.pid}_${Date.now()}`;
async function onAdmin(statement: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(statement);
  await admin.end();
}
let databaseUrl: string | undefined;
if (adminUrl) {
  await onAdmin(`create database ${dbName}`);
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  databaseUrl = u.toString();
}
const config = loadConfig({
  ...process.env,
  DATABASE_URL: databaseUrl ?? "",
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  DATA_DIR: join(dir, "data"),
  PORT: String(port),
  PUBLIC_URL: `http://127.0.0.1:${port}`,
  OIDC_CLIENTS_FILE: clientsFile,
  RATE_LIMITS: "off",
});
const system = await startSystem({ config });
await system.app.listen({ port, host: "127.0.0.1" });
const { db } = system;
const accountId = crypto.randomUUID();
const now = new Date();
await db
  .insertInto("accounts")
  .values({
    id: accountId,
    national_id: "0012345679",
    mobile: "09121234567",
    email: "bench@example.com",
    first_name: "علی",
    last_name: "رضایی",
    gender: "male",
    birth_date: "1365/04/12",
    birth_certificate_number: "1234",
    status: "active",
    password_hash: await hashSecret("Hoviat2026x"),
    registration_request_id: crypto.randomUUID(),
    created_at: now,
    updated_at: now,
    activated_at: now,
  })
  .execute();

// The baseline: oidc-provider as it comes, on the same adapter class and database, its own issuer.
// By default it rotates no confidential client's refresh token; Hoviat rotates every one (R-SSO), so a
// second bare provider that rotates too says how much of the refresh gap is the rotation itself.
const barePort = await freePort();
const bareRotatingPort = await freePort();
function bareProvider(issuerPort: number, clientId: string, extra: Partial<Configuration> = {}) {
  return new Provider(`http://127.0.0.1:${issuerPort}`, {
    adapter: databaseAdapter({ db, clock: systemClock, secretKeys: config.secretKeys }),
    clients: [
      {
        ...client,
        client_id: clientId,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["authorization_code", "refresh_token"],
      },
    ],
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    features: { devInteractions: { enabled: false } },
    ...extra,
  });
}
const bare = bareProvider(barePort, "bare");
const bareRotating = bareProvider(bareRotatingPort, "bare-rotating", { rotateRefreshToken: true });
const bareServer = bare.listen(barePort);
const bareRotatingServer = bareRotating.listen(bareRotatingPort);

const verifier = randomBytes(32).toString("base64url");
const challenge = createHash("sha256").update(verifier).digest("base64url");

async function mint(
  provider: Provider,
  clientId: string,
  kind: "code" | "refresh",
  n: number,
): Promise<string[]> {
  const found = (await provider.Client.find(clientId))!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const grant = new provider.Grant({ accountId, clientId });
    grant.addOIDCScope("openid offline_access");
    const grantId = await grant.save();
    const common = {
      accountId,
      grantId,
      client: found,
      scope: "openid offline_access",
      acr: "urn:hoviat:acr:registry-mobile",
    };
    const token =
      kind === "code"
        ? new provider.AuthorizationCode({
            ...common,
            redirectUri: REDIRECT,
            codeChallenge: challenge,
            codeChallengeMethod: "S256",
          } as never)
        : new provider.RefreshToken({ ...common, gty: "authorization_code" } as never);
    out.push(await token.save());
  }
  return out;
}

// Every statement of the process goes through pg's Client.query (Kysely's dialect and, embedded, the
// loopback socket to PGlite alike): counted while a target's requests run, it says the round trips per
// grant of that provider.
let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

async function fire(url: string, clientId: string, bodies: URLSearchParams[]) {
  const auth = `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString("base64")}`;
  let next = 0;
  let ok = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const statementsBefore = statements;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await fetch(url, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
          body,
        });
        if (res.ok) ok++;
        await res.arrayBuffer();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ok,
    total: bodies.length,
    seconds,
    cpuMs: (cpu.user + cpu.system) / 1000,
    statements: statements - statementsBefore,
  };
}

const targets = [
  {
    name: "hoviat",
    provider: system.sso.provider,
    clientId: "bench",
    url: `http://127.0.0.1:${port}/oidc/token`,
  },
  { name: "bare", provider: bare, clientId: "bare", url: `http://127.0.0.1:${barePort}/token` },
  {
    name: "bareRotating",
    provider: bareRotating,
    clientId: "bare-rotating",
    url: `http://127.0.0.1:${bareRotatingPort}/token`,
    only: "refresh",
  },
];
type Target = (typeof targets)[number];
async function exchange(t: Target, kind: "code" | "refresh", n: number) {
  const values = await mint(t.provider, t.clientId, kind, n);
  const bodies = values.map((v) =>
    kind === "code"
      ? new URLSearchParams({
          grant_type: "authorization_code",
          code: v,
          redirect_uri: REDIRECT,
          code_verifier: verifier,
        })
      : new URLSearchParams({ grant_type: "refresh_token", refresh_token: v }),
  );
  return fire(t.url, t.clientId, bodies);
}
// Each target is warmed up (its code paths compiled) before it is measured, and the measured
// requests come in ROUNDS whose order alternates, so that neither the first place nor a burst of the
// shared machine's other load falls on one side only.
type Measured = {
  rps: number;
  cpuMsPerRequest: number;
  statementsPerRequest: number;
  ok: number;
  total: number;
};
const results: Record<string, Record<string, Measured>> = {};
for (const kind of ["code", "refresh"] as const) {
  const eligible = targets.filter((t) => !t.only || t.only === kind);
  for (const t of eligible) await exchange(t, kind, WARMUP);
  const sums = new Map(
    eligible.map((t) => [t.name, { ok: 0, total: 0, seconds: 0, cpuMs: 0, statements: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of round % 2 ? [...eligible].reverse() : eligible) {
      const r = await exchange(t, kind, COUNT / ROUNDS);
      const sum = sums.get(t.name)!;
      sum.ok += r.ok;
      sum.total += r.total;
      sum.seconds += r.seconds;
      sum.cpuMs += r.cpuMs;
      sum.statements += r.statements;
    }
  }
  results[kind] = Object.fromEntries(
    [...sums].map(([name, s]) => [
      name,
      {
        rps: Math.round((s.ok / s.seconds) * 10) / 10,
        // This process's CPU (server, load generator and, when embedded, the database) per request:
        // less at the mercy of the shared machine's other load than the rate.
        cpuMsPerRequest: Math.round((s.cpuMs / s.total) * 100) / 100,
        statementsPerRequest: Math.round((s.statements / s.total) * 100) / 100,
        ok: s.ok,
        total: s.total,
      },
    ]),
  );
}
const database = config.databaseUrl ? "PostgreSQL" : "embedded PGlite";
const rows = (["code", "refresh"] as const).map((kind) => {
  const h = results[kind]!.hoviat!;
  const b = results[kind]!.bare!;
  const r = results[kind]!.bareRotating;
  return {
    scenario: `token endpoint, ${kind === "code" ? "code exchange" : "refresh (rotated)"} (req/s)`,
    hoviat: h,
    bare: b,
    ratio: Math.round((h.rps / b.rps) * 100) / 100,
    ...(r ? { bareRotating: r, ratioToRotating: Math.round((h.rps / r.rps) * 100) / 100 } : {}),
  };
});
console.log(
  `OIDC token endpoint, ${database}, concurrency ${CONCURRENCY}, ${COUNT} requests each in ${ROUNDS} rounds after ${WARMUP} to warm up`,
);
for (const r of rows)
  console.log(
    `  ${r.scenario}: ${r.hoviat.rps} vs bare ${r.bare.rps} → ${r.ratio}; CPU ms/request ${r.hoviat.cpuMsPerRequest} vs ${r.bare.cpuMsPerRequest}${r.bareRotating ? ` (rotating ${r.bareRotating.cpuMsPerRequest})` : ""}; statements/request ${r.hoviat.statementsPerRequest} vs ${r.bare.statementsPerRequest}${r.bareRotating ? ` (rotating ${r.bareRotating.statementsPerRequest})` : ""} (ok ${r.hoviat.ok}/${r.hoviat.total}, bare ${r.bare.ok}/${r.bare.total})${
      r.bareRotating
        ? `; vs bare rotating too ${r.bareRotating.rps} → ${r.ratioToRotating} (ok ${r.bareRotating.ok}/${r.bareRotating.total})`
        : ""
    }`,
  );
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const file = join(
  ROOT,
  `bench/results/${new Date().toISOString().slice(0, 10)}-oidc${config.databaseUrl ? "-postgresql" : ""}.json`,
);
writeFileSync(
  file,
  `${JSON.stringify({ database, concurrency: CONCURRENCY, count: COUNT, rounds: ROUNDS, warmup: WARMUP, quick, rows }, null, 2)}\n`,
);
bareServer.close();
bareRotatingServer.close();
await system.close();
if (adminUrl) await onAdmin(`drop database if exists ${dbName} with (force)`);
rmSync(dir, { recursive: true, force: true });
const incomplete = rows.some(
  (r) =>
    r.hoviat.ok !== r.hoviat.total ||
    r.bare.ok !== r.bare.total ||
    (r.bareRotating && r.bareRotating.ok !== r.bareRotating.total),
);
process.exit(incomplete ? 1 : 0);
