// Loopback stand-ins for the SMS gateways, speaking their wire protocols (node:http, 127.0.0.1).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DeliveredSms } from "../contracts/sms-contract.ts";

export type GatewayMode = "healthy" | "unavailable" | "refusing" | "hanging" | "busy";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Kavenegar: /v1/{API-KEY}/sms/send.json and /verify/lookup.json; a repeated localid is not resent. */
export async function fakeKavenegar(apiKey = "test-api-key") {
  const sent = new Map<string, DeliveredSms & { sender?: string }>();
  const lookups: { receptor: string; token: string; template: string }[] = [];
  const requests: { path: string; params: Record<string, string> }[] = [];
  let mode: GatewayMode = "healthy";
  let messageId = 8792343;
  const server = createServer(async (request, response) => {
    const params = Object.fromEntries(new URLSearchParams(await bodyOf(request)));
    requests.push({ path: request.url ?? "", params });
    const answer = (status: number, message: string, entries: unknown[] | null = null) =>
      response
        .writeHead(status, { "content-type": "application/json; charset=utf-8" })
        .end(JSON.stringify({ return: { status, message }, entries }));
    if (mode === "hanging") return; // never answers: the client's timeout must end the call
    if (mode === "unavailable") return response.writeHead(502).end("<html>Bad Gateway</html>");
    if (mode === "busy") return answer(409, "سرور قادر به پاسخگوئی نیست بعدا تلاش کنید");
    if (mode === "refusing") return answer(418, "اعتبار حساب شما کافی نیست");
    const match = /^\/v1\/([^/]+)\/(sms\/send|verify\/lookup)\.json$/.exec(request.url ?? "");
    if (!match) return answer(404, "متد ارسال شده نامعتبر است");
    if (decodeURIComponent(match[1]!) !== apiKey) return answer(403, "کد شناسائی API-Key معتبر نمی‌باشد");
    if (request.method !== "POST") return answer(405, "متد نامعتبر است");
    if (match[2] === "verify/lookup") {
      if (!params.receptor || !params.token || !params.template) return answer(400, "پارامترها ناقص هستند");
      lookups.push({ receptor: params.receptor, token: params.token, template: params.template });
      return answer(200, "تایید شد", [{ messageid: messageId++, receptor: params.receptor, status: 5 }]);
    }
    if (!params.receptor || !params.message) return answer(400, "پارامترها ناقص هستند");
    const key = params.localid ?? String(messageId);
    if (!sent.has(key)) {
      sent.set(key, {
        id: key,
        to: params.receptor,
        text: params.message,
        ...(params.sender ? { sender: params.sender } : {}),
      });
    }
    return answer(200, "تایید شد", [
      { messageid: messageId++, message: params.message, status: 1, statustext: "در صف ارسال" },
    ]);
  });
  const baseUrl = `${await listen(server)}/v1`;
  return {
    baseUrl,
    apiKey,
    sent,
    lookups,
    requests,
    setMode(m: GatewayMode) {
      mode = m;
    },
    delivered: async () => [...sent.values()].map(({ id, to, text }) => ({ id, to, text })),
    close: () => shut(server),
  };
}

/** A generic webhook gateway: POST {id, to, text} with a bearer token, idempotent by id. */
export async function fakeWebhook(token = "webhook-token") {
  const sent = new Map<string, DeliveredSms>();
  let mode: GatewayMode = "healthy";
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    if (mode === "hanging") return;
    if (mode === "unavailable") return response.writeHead(503).end();
    if (mode === "busy") return response.writeHead(429).end();
    if (request.headers.authorization !== `Bearer ${token}`) return response.writeHead(401).end();
    if (mode === "refusing") return response.writeHead(422).end('{"error":"invalid number"}');
    const { id, to, text } = JSON.parse(body) as DeliveredSms;
    if (!sent.has(id)) sent.set(id, { id, to, text });
    response.writeHead(202).end();
  });
  const url = `${await listen(server)}/sms`;
  return {
    url,
    token,
    sent,
    setMode(m: GatewayMode) {
      mode = m;
    },
    delivered: async () => [...sent.values()],
    close: () => shut(server),
  };
}
