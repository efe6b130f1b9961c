// A body over the limit is answered 413 problem+json on a real socket, and the client reads it: the
// rest of the body is read and dropped first (up to BODY_DRAIN_BYTES). Before, Fastify answered at
// once and closed the connection with the body unread: a chunked upload got EPIPE, never the answer.
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { BODY_DRAIN_BYTES, BODY_LIMIT } from "../src/platform/body-limit.ts";
import { startTestSystem, type TestSystem } from "./helpers/system.ts";

let sys: TestSystem;
let port: number;
before(async () => {
  sys = await startTestSystem();
  await sys.app.listen({ port: 0, host: "127.0.0.1" });
  port = (sys.app.server.address() as net.AddressInfo).port;
});
after(async () => {
  await sys.stop();
});

type Answer = { status: number; type: string; body: { status: number; code: string }; connection: string };

/** POSTs `size` bytes to /api/password-recovery in 64 KB writes, declared or chunked. */
function upload(size: number, declared: boolean, agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/api/password-recovery",
        headers: { "content-type": "application/json", ...(declared ? { "content-length": size } : {}) },
        ...(agent ? { agent } : {}),
      },
      (response) => {
        let text = "";
        response.on("data", (c: Buffer) => (text += c.toString("utf8")));
        response.on("end", () =>
          resolve({
            status: response.statusCode!,
            type: String(response.headers["content-type"]),
            body: JSON.parse(text),
            connection: String(response.headers.connection),
          }),
        );
      },
    );
    request.on("error", reject);
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
        sent += part.length;
        if (!request.write(part)) return void request.once("drain", write);
      }
      request.end();
    };
    write();
  });
}

describe("a body over the limit", () => {
  for (const declared of [true, false]) {
    test(`2 MB ${declared ? "with Content-Length" : "chunked"}: 413 problem+json, read by the client`, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const answer = await upload(2_000_000, declared, agent);
        assert.equal(answer.status, 413);
        assert.match(answer.type, /^application\/problem\+json/);
        assert.deepEqual([answer.body.status, answer.body.code], [413, "payloadTooLarge"]);
        if (declared) {
          // Read to its end, the connection stays good for the next request.
          assert.equal(answer.connection, "keep-alive");
          assert.equal((await upload(2_000_000, true, agent)).status, 413);
        }
      } finally {
        agent.destroy();
      }
    });
  }

  test("just over the limit, through inject too", async () => {
    const res = await sys.app.inject({
      method: "POST",
      url: "/api/password-recovery",
      headers: { "content-type": "application/json" },
      payload: Buffer.alloc(BODY_LIMIT + 1, "a"),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, "payloadTooLarge");
  });

  test("declared beyond the drain bound: answered at once and the connection cut, nothing read", async () => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (c: Buffer) => (text += c.toString("utf8")));
    socket.write(
      "POST /api/password-recovery HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        `Content-Length: ${BODY_DRAIN_BYTES + 1}\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once("close", resolve));
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /connection: close/i);
    assert.match(text, /"code":"payloadTooLarge"/);
  });
});
