// Builds the browser bundle in memory with esbuild: one minified ES module, one stylesheet and the
// Vazirmatn font files, each named by its content hash so that it can be cached for a year; the
// blocklist of common passwords beside them, fetched by the password fields only (client/blocklist.ts).
// Text assets are gzipped here once (~0.1 s; brotli's best would save 10 % for 3 s of start-up).
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { commonPasswordsText } from "../domain/common-passwords.ts";

export type Asset = { body: Buffer; type: string; etag: string; gzip?: Buffer };
export type WebBundle = {
  assets: Map<string, Asset>;
  script: string;
  stylesheet: string;
  /** The URL of the common passwords' keys (password-blocklist.ts, front-coded text). */
  blocklist: string;
  /** The ALTCHA widget, its worker and styles: loaded only when a request needs a challenge. */
  altcha: { script: string; worker: string; stylesheet: string };
  preloadFonts: string[];
  buildMs: number;
};

const here = dirname(fileURLToPath(import.meta.url));
const altchaDist = join(here, "../../node_modules/altcha/dist");
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
};

function asset(url: string, body: Buffer): Asset {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  const type = TYPES[url.slice(url.lastIndexOf("."))] ?? "application/octet-stream";
  if (!type.startsWith("text/")) return { body, type, etag };
  return { body, type, etag, gzip: gzipSync(body, { level: 9 }) };
}

export async function buildWebBundle(): Promise<WebBundle> {
  const started = performance.now();
  // esbuild is only needed when the web app is served; load it lazily.
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: {
      app: join(here, "client/main.tsx"),
      styles: join(here, "styles.css"),
      // Served from here, never a CDN; the `external` build keeps styles and workers out of inline
      // code, which the Content-Security-Policy forbids.
      "altcha-widget": join(here, "client/altcha-widget.ts"),
      "altcha-worker": join(altchaDist, "workers/sha.js"),
      "altcha-styles": join(altchaDist, "external/altcha.css"),
    },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2020",
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: "/assets",
    entryNames: "[name]-[hash]",
    assetNames: "fonts/[name]-[hash]",
    loader: { ".woff2": "file", ".woff": "file" },
    write: false,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
  });
  const assets = new Map<string, Asset>();
  let script = "";
  let stylesheet = "";
  const altcha = { script: "", worker: "", stylesheet: "" };
  const preloadFonts: string[] = [];
  for (const file of result.outputFiles) {
    const url = file.path.slice(file.path.indexOf("/assets/"));
    const ext = url.slice(url.lastIndexOf("."));
    assets.set(url, asset(url, Buffer.from(file.contents)));
    const name = basename(url);
    if (name.startsWith("app-")) script = url;
    if (name.startsWith("styles-")) stylesheet = url;
    if (name.startsWith("altcha-widget-")) altcha.script = url;
    if (name.startsWith("altcha-worker-")) altcha.worker = url;
    if (name.startsWith("altcha-styles-")) altcha.stylesheet = url;
    // The Persian regular face is needed on every page: preloading it avoids a swap of fonts.
    if (name.startsWith("vazirmatn-arabic-400-normal") && ext === ".woff2") preloadFonts.push(url);
  }
  const words = Buffer.from(commonPasswordsText());
  const blocklist = `/assets/common-passwords-${createHash("sha256").update(words).digest("hex").slice(0, 10)}.txt`;
  assets.set(blocklist, asset(blocklist, words));
  return {
    assets,
    script,
    stylesheet,
    blocklist,
    altcha,
    preloadFonts,
    buildMs: Math.round(performance.now() - started),
  };
}
