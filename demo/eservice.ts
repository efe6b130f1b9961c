// `npm run demo:eservice`: a tiny e-service (relying party) on openid-client 6 that signs people in
// through Hoviat and shows, in Persian, what Hoviat told it. Hoviat registers it from
// fixtures/oidc-clients.dev.json when it starts in development (the OIDC_CLIENTS_FILE default); when
// its port is taken it takes the next free one and registers itself there (POST /api/dev/demo-eservice).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as client from "openid-client";
import { toPersianDigits } from "../src/domain/digits.ts";
import { t } from "../src/messages/index.ts";

export type DemoOptions = {
  issuer: string;
  port: number;
  clientId: string;
  clientSecret: string;
  /** How many ports after `port` to try when it is taken (0: only `port`). */
  nextPorts?: number;
  /**
   * Register the redirect URIs of the port found with Hoviat (development: POST /api/dev/demo-eservice):
   * always, or only when `port` was taken ("if-moved"; Hoviat's development setup registers `port`).
   */
  register?: boolean | "if-moved";
};
type Pending = { verifier: string; state: string; nonce: string };
type Signed = { claims: Record<string, unknown>; idToken: string; sid: string | undefined; acr: unknown };

const fa = (key: string, params?: Record<string, string | number>) => t("fa", `demo.${key}`, params);
const html = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

function page(body: string): string {
  return `<!doctype html><html dir="rtl" lang="fa"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(fa("title"))}</title>
<style>body{font-family:Vazirmatn,Tahoma,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#1b1f24}
h1{color:#5b2a86;font-size:1.5rem}a.button{display:inline-block;background:#5b2a86;color:#fff;padding:.6rem 1.2rem;border-radius:.3rem;text-decoration:none;margin-block:1rem}
table{border-collapse:collapse;width:100%;table-layout:fixed}caption{text-align:start;padding-block:.5rem}
th,td{text-align:start;vertical-align:top;border-bottom:1px solid #ddd;padding:.5rem;overflow-wrap:anywhere}
th{width:40%}</style></head>
<body><main><h1>${html(fa("title"))}</h1>${body}</main></body></html>`;
}

/** A value in the RTL page: its own direction, or left to right for +98…, an email, an identifier. */
const cell = (v: unknown) => `<bdi>${html(v)}</bdi>`;
const ltr = (v: unknown) => `<bdi dir="ltr">${html(v)}</bdi>`;

function claimRows(s: Signed): string {
  const c = s.claims;
  const verified = (yes: unknown) => html(` (${fa(yes ? "verified" : "unverified")})`);
  const rows: [string, string | undefined][] = [
    [fa("claim.name"), c.name ? cell(c.name) : undefined],
    [fa("claim.given_name"), c.given_name ? cell(c.given_name) : undefined],
    [fa("claim.family_name"), c.family_name ? cell(c.family_name) : undefined],
    [fa("claim.gender"), c.gender ? cell(fa(`gender.${c.gender}`)) : undefined],
    [
      fa("claim.birthdate_jalali"),
      c.birthdate_jalali ? cell(toPersianDigits(String(c.birthdate_jalali).replaceAll("-", "/"))) : undefined,
    ],
    [fa("claim.birthdate"), c.birthdate ? cell(toPersianDigits(String(c.birthdate))) : undefined],
    [fa("claim.national_id"), c.national_id ? cell(toPersianDigits(String(c.national_id))) : undefined],
    [
      fa("claim.phone_number"),
      c.phone_number
        ? ltr(toPersianDigits(String(c.phone_number))) + verified(c.phone_number_verified)
        : undefined,
    ],
    [fa("claim.email"), c.email ? ltr(c.email) + verified(c.email_verified) : undefined],
    [fa("claim.acr"), cell(fa(`acr.${String(s.acr).split(":").pop()}`))],
    [fa("claim.sub"), ltr(c.sub)],
  ];
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<tr><th scope="row">${html(k)}</th><td>${v}</td></tr>`)
    .join("");
}

export async function startDemoEservice(
  options: DemoOptions,
): Promise<{ server: Server; url: string; logouts: string[] }> {
  // The port first: it is part of the redirect URIs Hoviat must know.
  const server = createServer();
  const port = await listenFrom(server, options.port, options.nextPorts ?? 0);
  const base = `http://127.0.0.1:${port}`;
  let config: client.Configuration;
  try {
    if (options.register === true || (options.register === "if-moved" && port !== options.port))
      await registerWithHoviat(options.issuer, port);
    config = await client.discovery(
      new URL(options.issuer),
      options.clientId,
      {},
      client.ClientSecretBasic(options.clientSecret),
      { execute: options.issuer.startsWith("http://") ? [client.allowInsecureRequests] : [] },
    );
  } catch (error) {
    server.close();
    throw error;
  }
  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
  const pending = new Map<string, Pending>();
  const sessions = new Map<string, Signed>();
  const logouts: string[] = [];

  const cookie = (req: IncomingMessage) => /(?:^|;\s*)demo_sid=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) =>
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", ...headers }).end(body);
  const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}) =>
    res.writeHead(303, { location: to, ...headers }).end();

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<unknown>> = {
    async "GET /"(req, res) {
      const signed = sessions.get(cookie(req) ?? "");
      if (!signed)
        return send(
          res,
          200,
          page(`<p>${html(fa("intro"))}</p><p><a class="button" href="/login">${html(fa("signIn"))}</a></p>`),
        );
      send(
        res,
        200,
        page(`<p>${html(fa("welcome", { name: String(signed.claims.name ?? "") }))}</p>
<table><caption>${html(fa("claimsCaption"))}</caption>${claimRows(signed)}</table>
<p><a class="button" href="/logout">${html(fa("signOut"))}</a></p>`),
      );
    },
    async "GET /login"(_req, res) {
      const id = randomBytes(16).toString("base64url");
      const flow = {
        verifier: client.randomPKCECodeVerifier(),
        state: client.randomState(),
        nonce: client.randomNonce(),
      };
      pending.set(id, flow);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: `${base}/callback`,
        scope: "openid profile national_id phone email",
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: "S256",
        state: flow.state,
        nonce: flow.nonce,
      });
      redirect(res, url.href, { "set-cookie": `demo_sid=${id}; Path=/; HttpOnly; SameSite=Lax` });
    },
    async "GET /callback"(req, res, url) {
      const id = cookie(req) ?? "";
      const flow = pending.get(id);
      if (!flow) return redirect(res, "/");
      pending.delete(id);
      if (url.searchParams.get("error"))
        return send(
          res,
          400,
          page(
            `<p>${html(fa("refused"))}</p><p dir="ltr">${html(url.searchParams.get("error"))}</p><p><a href="/">${html(fa("back"))}</a></p>`,
          ),
        );
      const tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      const idClaims = tokens.claims()!;
      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      sessions.set(id, {
        claims: { ...info },
        idToken: tokens.id_token!,
        sid: idClaims.sid as string | undefined,
        acr: idClaims.acr,
      });
      redirect(res, "/");
    },
    async "GET /logout"(req, res) {
      const id = cookie(req) ?? "";
      const signed = sessions.get(id);
      sessions.delete(id);
      if (!signed) return redirect(res, "/");
      const end = client.buildEndSessionUrl(config, {
        id_token_hint: signed.idToken,
        post_logout_redirect_uri: `${base}/`,
      });
      redirect(res, end.href);
    },
    // Hoviat's back-channel logout: a signed logout token naming the session that ended.
    async "POST /backchannel-logout"(req, res) {
      let body = "";
      for await (const chunk of req) body += chunk;
      const token = new URLSearchParams(body).get("logout_token") ?? "";
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: config.serverMetadata().issuer,
          audience: options.clientId,
        });
        if (
          !(payload.events as Record<string, unknown> | undefined)?.[
            "http://schemas.openid.net/event/backchannel-logout"
          ]
        )
          throw new Error("not a logout token");
        for (const [id, s] of sessions) if (s.sid === payload.sid) sessions.delete(id);
        logouts.push(String(payload.sid));
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    },
  };

  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", base);
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return send(res, 404, page(`<p>${html(fa("notFound"))}</p>`));
    route(req, res, url).catch((error) =>
      send(res, 500, page(`<p>${html(fa("failed"))}</p><pre dir="ltr">${html(error)}</pre>`)),
    );
  });
  return { server, url: base, logouts };
}

/** Listens on `port`, or the first free one of the `next` after it; the port it got. */
async function listenFrom(server: Server, port: number, next: number): Promise<number> {
  for (let candidate = port; ; candidate++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(candidate, "127.0.0.1", () => {
          server.off("error", reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || candidate >= port + next) throw error;
    }
  }
}

/** Development: Hoviat records the demo's redirect URIs on this port (a running Hoviat holds the database). */
async function registerWithHoviat(issuer: string, port: number): Promise<void> {
  const response = await fetch(new URL("/api/dev/demo-eservice", issuer), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ port }),
  });
  if (response.status !== 204)
    throw new Error(
      `Hoviat at ${issuer} did not register the demo (HTTP ${response.status}): it does so only in development`,
    );
}

if (import.meta.main) {
  const wanted = Number(process.env.DEMO_PORT ?? 4000);
  const options: DemoOptions = {
    issuer: process.env.HOVIAT_URL ?? "http://127.0.0.1:3000",
    port: wanted,
    nextPorts: 20,
    clientId: process.env.DEMO_CLIENT_ID ?? "demo-eservice",
    clientSecret: process.env.DEMO_CLIENT_SECRET ?? "demo-eservice-secret-for-development-only",
    register: process.argv.includes("--register") || "if-moved",
  };
  try {
    const demo = await startDemoEservice(options);
    const port = Number(new URL(demo.url).port);
    if (port !== wanted)
      console.log(
        `demo e-service: port ${wanted} is taken; listening on ${port}, registered there with Hoviat`,
      );
    console.log(`demo e-service: ${demo.url} (signs in through Hoviat at ${options.issuer})`);
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === "EADDRINUSE"
        ? `ports ${wanted}–${wanted + 20} are all taken: set DEMO_PORT`
        : `cannot use Hoviat at ${options.issuer} — start it first with npm start (${(error as Error).message})`;
    console.error(`demo e-service: ${why}`);
    process.exit(1);
  }
}
