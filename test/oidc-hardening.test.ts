// The provider leaks nothing (issue 20): discovery and form actions from PUBLIC_URL whatever Host
// says, the app's security headers on every page the provider writes, no token in the request log.
import assert from "node:assert/strict";
import { request } from "node:http";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { createHttp } from "../src/platform/http.ts";
import { createLogger } from "../src/platform/logging.ts";
import { serverClient, startOidcSystem } from "./helpers/oidc.ts";
import type { TestSystem } from "./helpers/system.ts";

let sys: TestSystem & { issuer: string };
before(async () => {
  sys = await startOidcSystem([
    serverClient("tax", "سامانه مالیات", "http://127.0.0.1:4301/cb", {
      post_logout_redirect_uris: ["http://127.0.0.1:4301/"],
    }),
  ]);
});
after(async () => {
  await sys.stop();
});

/** A raw request with the headers an attacker or a misrouted proxy sends (fetch will not forge Host). */
function raw(path: string, headers: Record<string, string>) {
  const url = new URL(path, sys.issuer);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, headers },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on("error", reject);
      req.end();
    },
  );
}

const forged = { host: "evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" };

describe("the provider leaks nothing", () => {
  test("a forged Host or X-Forwarded-Host changes nothing in discovery", async () => {
    const plain = await raw("/.well-known/openid-configuration", {});
    const evil = await raw("/.well-known/openid-configuration", forged);
    assert.equal(evil.status, 200);
    assert.doesNotMatch(evil.body, /evil\.example/);
    assert.deepEqual(JSON.parse(evil.body), JSON.parse(plain.body));
    const doc = JSON.parse(evil.body) as Record<string, string>;
    for (const key of ["token_endpoint", "authorization_endpoint", "jwks_uri", "end_session_endpoint"])
      assert.ok(doc[key]!.startsWith(`${sys.issuer}/oidc/`), `${key}: ${doc[key]}`);
  });

  test("the logout page: its form posts to PUBLIC_URL, with the app's security headers", async () => {
    const page = await raw("/oidc/session/end", forged);
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`action="${sys.issuer}/oidc/session/end/confirm"`));
    assert.doesNotMatch(page.body, /evil\.example/);
    assertPageHeaders(page.headers);
  });

  test("the error page and the signed-out page carry the same headers", async () => {
    const error = await raw("/oidc/auth?client_id=nobody&response_type=code&scope=openid", {});
    assert.equal(error.status, 400);
    assert.match(String(error.headers["content-type"]), /html/);
    assertPageHeaders(error.headers);
    const signedOut = await raw("/oidc/session/end/success", {});
    assert.match(signedOut.body, /dir="rtl"/);
    assertPageHeaders(signedOut.headers);
  });
});

function assertPageHeaders(headers: Record<string, unknown>) {
  assert.equal(headers["x-frame-options"], "DENY");
  assert.equal(headers["x-content-type-options"], "nosniff");
  assert.equal(headers["referrer-policy"], "same-origin");
  assert.match(String(headers["content-security-policy"]), /frame-ancestors 'none'/);
  assert.match(String(headers["content-security-policy"]), /default-src 'none'/);
}

test("the request log never holds a token or a code from a URL", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = createHttp(createLogger("info", sink), { trustProxy: false });
  app.get("/oidc/*", async () => "");
  const secrets = ["at-SECRET-1", "rt-SECRET-2", "eyJ.hint.SECRET3", "eyJ.logout.SECRET4", "code-SECRET-5"];
  for (const url of [
    `/oidc/me?access_token=${secrets[0]}`,
    `/oidc/token?grant_type=refresh_token&refresh_token=${secrets[1]}`,
    `/oidc/session/end?post_logout_redirect_uri=x&id_token_hint=${secrets[2]}&state=s`,
    `/oidc/backchannel?logout_token=${secrets[3]}`,
    `/oidc/cb?state=s&code=${secrets[4]}#access_token=${secrets[0]}`,
  ])
    await app.inject({ method: "GET", url });
  await app.close();
  const log = lines.join("");
  assert.match(log, /access_token=\[redacted\]/, "the log still says what was sent");
  for (const secret of secrets) assert.doesNotMatch(log, new RegExp(secret.replaceAll(".", "\\.")));
});
