// A relying party's world for the OIDC tests: Hoviat listening on a real port (openid-client speaks
// HTTP), e-services from an OIDC_CLIENTS_FILE, a browser-like agent with a cookie jar that follows
// Hoviat's interaction API, and a listener that collects back-channel logout tokens.
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as client from "openid-client";
import { newSession, SESSION_COOKIE, type SessionProof } from "../../src/flows/login/sessions.ts";
import { startTestSystem, type TestSystem } from "./system.ts";

export const SECRET = "an-e-service-secret-of-at-least-32-chars";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Collects the logout tokens POSTed to it. */
export async function backchannelListener() {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const token = new URLSearchParams(body).get("logout_token");
      if (token) tokens.push(token);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logout`;
  return { url, tokens, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A server e-service with the shared test secret in the header (client_secret_basic). */
export const serverClient = (
  clientId: string,
  name: string,
  redirect: string,
  extra: Record<string, unknown> = {},
) => ({
  client_id: clientId,
  client_secret: SECRET,
  client_name: name,
  redirect_uris: [redirect],
  token_endpoint_auth_method: "client_secret_basic",
  ...extra,
});

export async function startOidcSystem(clients: Record<string, unknown>[], env: Record<string, string> = {}) {
  const port = await freePort();
  const file = join(tmpdir(), `hoviat-oidc-clients-${process.pid}-${port}.json`);
  writeFileSync(file, JSON.stringify({ clients }));
  const issuer = `http://127.0.0.1:${port}`;
  const sys = await startTestSystem({ PUBLIC_URL: issuer, OIDC_CLIENTS_FILE: file, ...env });
  await sys.app.listen({ port, host: "127.0.0.1" });
  return Object.assign(sys, { issuer }) as TestSystem & { issuer: string };
}

/** The setting that registers `clients` as e-services of a test system (a file, as in production). */
export function clientsSetting(clients: Record<string, unknown>[]): { OIDC_CLIENTS_FILE: string } {
  const file = join(tmpdir(), `hoviat-oidc-clients-${process.pid}-${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ clients }));
  return { OIDC_CLIENTS_FILE: file };
}

export async function rp(
  issuer: string,
  clientId: string,
  auth: client.ClientAuth,
  metadata: Partial<client.ClientMetadata> = {},
) {
  return client.discovery(new URL(issuer), clientId, metadata, auth, {
    execute: [client.allowInsecureRequests],
  });
}

/** A browser: one cookie jar, redirects followed by hand so each hop can be looked at. */
export class Agent {
  cookies = new Map<string, string>();
  readonly origin: string;
  constructor(origin: string) {
    this.origin = origin;
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(new URL(url, this.origin), { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, value] = pair!.split("=") as [string, string];
      const expired = attrs.some(
        (a) => /expires=/i.test(a) && new Date(a.split("=")[1]!).getTime() < Date.now(),
      );
      if (!value || expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    return response;
  }

  async json(method: string, url: string, body?: unknown) {
    const response = await this.fetch(url, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  /** Follows redirects inside Hoviat until one leaves it (to the e-service) or a page is reached. */
  async follow(url: string): Promise<{ status: number; location: string | null; url: string }> {
    let current = url;
    for (let hops = 0; hops < 10; hops++) {
      const response = await this.fetch(current);
      await response.arrayBuffer();
      const location = response.headers.get("location");
      if (!location) return { status: response.status, location: null, url: current };
      const next = new URL(location, new URL(current, this.origin));
      if (next.origin !== this.origin || next.pathname.startsWith("/oidc/interaction/"))
        return { status: response.status, location: next.href, url: current };
      current = next.href;
    }
    throw new Error("too many redirects");
  }
}

export type Flow = { url: URL; verifier: string; state: string; nonce: string };

export async function authorizationRequest(
  config: client.Configuration,
  redirectUri: string,
  params: Record<string, string> = {},
): Promise<Flow> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: "openid profile",
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

type Person = { nationalId: string; password: string; mobile?: string };

/** The texts the dev outbox holds for `to`, newest first (the SMS sign-in codes among them). */
export async function outboxTexts(agent: Agent, to: string): Promise<string[]> {
  const response = await fetch(new URL(`/api/dev/outbox?to=${encodeURIComponent(to)}`, agent.origin));
  return ((await response.json()) as { text: string }[]).map((r) => r.text);
}

/** The code of the newest sign-in SMS to `to` that was not among `before`. */
export async function newSignInCode(agent: Agent, to: string, before: readonly string[]): Promise<string> {
  const seen = new Set(before);
  for (let i = 0; i < 100; i++) {
    const text = (await outboxTexts(agent, to)).find((t) => !seen.has(t) && t.includes("کد ورود"));
    const code = text?.match(/\b(\d{6})\b/)?.[1];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no sign-in code to ${to}`);
}

/** The SMS code of the half session in the agent's jar, given as a person types it. */
export async function giveSmsCode(agent: Agent, mobile: string, before: readonly string[], remember = false) {
  const code = await newSignInCode(agent, mobile, before);
  const done = await agent.json("POST", "/api/login/second-factor", {
    method: "sms",
    code,
    ...(remember ? { rememberBrowser: true } : {}),
  });
  if (done.status !== 200) throw new Error(`second factor ${done.status} ${JSON.stringify(done.body)}`);
}

/**
 * Through Hoviat's pages as a person would: sign in if asked (the password, then the SMS code when a
 * second factor is due), a step-up by SMS code if asked, consent if asked; the e-service's callback URL.
 */
export async function signIn(
  agent: Agent,
  flow: Flow,
  person?: Person,
  options: { rememberBrowser?: boolean } = {},
): Promise<URL> {
  let hop = await agent.follow(flow.url.href);
  for (let step = 0; step < 4; step++) {
    const location = new URL(hop.location ?? "about:blank");
    if (!location.pathname.startsWith("/oidc/interaction/") || location.origin !== agent.origin)
      return location;
    const base = location.pathname;
    let next: { status: number; body: { redirectTo?: string; prompt?: string; need?: string } } =
      await agent.json("GET", `${base}/state`);
    for (let turn = 0; turn < 4 && !next.body?.redirectTo; turn++) {
      const prompt = next.body?.prompt;
      const mobile = person?.mobile ?? "";
      if (prompt === "login") {
        if (!person) throw new Error("asked to sign in");
        const before = mobile ? await outboxTexts(agent, mobile) : [];
        next = await agent.json("POST", `${base}/login`, {
          nationalId: person.nationalId,
          password: person.password,
        });
        if (next.body?.prompt === "second_factor") {
          await giveSmsCode(agent, mobile, before, options.rememberBrowser);
          next = await agent.json("GET", `${base}/state`);
        }
      } else if (prompt === "step_up" && next.body.need === "aal2" && person) {
        const before = await outboxTexts(agent, mobile);
        const up = await agent.json("POST", "/api/login/step-up");
        if (up.status !== 200) throw new Error(`step-up ${up.status}`);
        await giveSmsCode(agent, mobile, before, options.rememberBrowser);
        next = await agent.json("GET", `${base}/state`);
      } else if (prompt === "consent") next = await agent.json("POST", `${base}/consent`);
      else break;
    }
    if (!next.body?.redirectTo)
      throw Object.assign(new Error(`interaction refused ${next.status} ${JSON.stringify(next.body)}`), {
        result: next,
      });
    hop = await agent.follow(next.body.redirectTo);
  }
  throw new Error("interaction did not end");
}

/** The OAuth error code of a failed openid-client call, wherever the library put it. */
export async function oauthError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    const error = e as { error?: string; cause?: unknown };
    if (error.error) return error.error;
    const cause = error.cause as { error?: string } | { parameters?: { error?: string } }[] | undefined;
    if (Array.isArray(cause)) return cause[0]?.parameters?.error ?? "challenge";
    if (cause && "error" in cause && cause.error) return cause.error;
    throw e;
  }
  throw new Error("expected the call to fail");
}

/**
 * A Hoviat session with the proof a test needs (amr, level, auth_time), straight into the database as
 * the sign-in routes store one, and its cookie in the agent's jar: the state of a browser after a sign-in.
 */
export async function openSession(sys: TestSystem, agent: Agent, accountId: string, proof: SessionProof) {
  const session = newSession(
    accountId,
    sys.clock.now(),
    { idleMinutes: 30, absoluteHours: 12 },
    { ip: "127.0.0.1", userAgent: "test" },
    proof,
  );
  await sys.db.insertInto("sessions").values(session.row).execute();
  agent.cookies.set(SESSION_COOKIE, session.token);
  return session.token;
}

/** The interaction page an authorization request leads to, or the e-service's callback. */
export async function authorize(agent: Agent, flow: Flow): Promise<{ interaction?: string; callback?: URL }> {
  const hop = await agent.follow(flow.url.href);
  const location = new URL(hop.location ?? "about:blank");
  if (location.origin === agent.origin && location.pathname.startsWith("/oidc/interaction/"))
    return { interaction: location.pathname };
  return { callback: location };
}
