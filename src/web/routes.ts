// Serves the web application: the HTML shell on every page address (the client routes with the
// history API) and the hashed assets with year-long caching.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { REGISTRATION_STEPS } from "../domain/registration.ts";
import type { Http } from "../platform/http.ts";
import { buildWebBundle, type WebBundle } from "./build.ts";

/** The pages of the client router; anything else stays a 404. */
// /dev/outbox is always a page: the client shows it only where GET /api/dev/outbox answers.
export const PAGES = [
  "/",
  "/register",
  // Each wizard step has its own address, so that a reload or the back button stays on it.
  ...REGISTRATION_STEPS.map((_, i) => `/register/${i + 1}`),
  "/track",
  "/login",
  "/recover",
  "/first-password",
  "/account",
  "/account/*",
  "/dev/outbox",
  "/staff",
  "/staff/*",
  "/oidc/interaction/:uid",
];

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

let bundle: Promise<WebBundle> | undefined;
function getBundle(logger: Logger): Promise<WebBundle> {
  if (!bundle) {
    bundle = buildWebBundle().then((b) => {
      logger.info({ buildMs: b.buildMs }, "web bundle built");
      return b;
    });
    bundle.catch(() => {
      bundle = undefined;
    });
  }
  return bundle;
}

function shell(b: WebBundle): string {
  const preloads = b.preloadFonts
    .map((f) => `<link rel="preload" href="${f}" as="font" type="font/woff2" crossorigin>`)
    .join("");
  return `<!doctype html>
<html dir="rtl" lang="fa">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>سامانه مدیریت کاربران — سازمان تأمین اجتماعی</title>
<meta name="description" content="ثبت نام، ورود و بازیابی گذرواژه سامانه‌های سازمان تأمین اجتماعی">
<meta name="theme-color" content="#0b4a8b">
<meta name="hoviat-blocklist" content="${b.blocklist}">
<link rel="icon" href="data:,">
${preloads}<link rel="stylesheet" href="${b.stylesheet}">
<script type="module" src="${b.script}" data-altcha="${b.altcha.script}" data-altcha-worker="${b.altcha.worker}" data-altcha-styles="${b.altcha.stylesheet}"></script>
</head>
<body>
<div id="app"><noscript><p>برای استفاده از این سامانه، جاوااسکریپت مرورگر خود را فعال کنید.</p></noscript></div>
</body>
</html>
`;
}

export function webRoutes(app: Http, deps: { logger: Logger }) {
  // Built ahead of the first visitor, except in tests, where most files never load a page.
  if (process.env.NODE_ENV !== "test")
    getBundle(deps.logger).catch((err) => deps.logger.error({ err }, "web bundle failed"));

  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const b = await getBundle(request.log as Logger);
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", CSP)
      .header("cache-control", "no-cache")
      .send(shell(b));
  };
  for (const url of PAGES) app.get(url, page);

  app.get("/assets/*", async (request, reply) => {
    const b = await getBundle(request.log as Logger);
    const asset = b.assets.get(request.url.split("?")[0] ?? "");
    if (!asset) return reply.callNotFound();
    reply.header("etag", asset.etag).header("cache-control", "public, max-age=31536000, immutable");
    if (asset.gzip) reply.header("vary", "accept-encoding");
    if (request.headers["if-none-match"] === asset.etag) return reply.status(304).send();
    const gzip = asset.gzip && /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
    if (gzip) reply.header("content-encoding", "gzip");
    return reply.type(asset.type).send(gzip ? asset.gzip : asset.body);
  });
}
