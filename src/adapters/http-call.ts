// One small HTTP client for every adapter: node:http(s) so that mTLS agents work, a hard timeout by
// AbortSignal, and transport failures told apart from answers (a 4xx is an answer, a reset is not).
import http from "node:http";
import https from "node:https";

export type HttpAnswer = { status: number; text: string };

export class TransportError extends Error {
  override name = "TransportError";
}

export type HttpCall = {
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  agent?: http.Agent;
};

export function httpCall(url: string, call: HttpCall): Promise<HttpAnswer> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: call.method,
        headers: {
          accept: "application/json",
          ...(call.body !== undefined ? { "content-length": Buffer.byteLength(call.body) } : {}),
          ...call.headers,
        },
        signal: AbortSignal.timeout(call.timeoutMs),
        ...(call.agent ? { agent: call.agent } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", (e) => reject(new TransportError(describe(e, call.timeoutMs))));
      },
    );
    request.on("error", (e) => reject(new TransportError(describe(e, call.timeoutMs))));
    request.end(call.body);
  });
}

function describe(error: Error, timeoutMs: number): string {
  if (error.name === "AbortError" || error.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const code = (error as { code?: string }).code;
  return code ? `${code}: ${error.message}` : error.message;
}

/** JSON of an answer, or undefined when the body is not JSON (a proxy's HTML error page, say). */
export function json(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.text);
  } catch {
    return undefined;
  }
}
