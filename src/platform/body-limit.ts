// A body over the limit is answered 413 problem+json, and the client reads that answer. Fastify answers
// as soon as it knows (the declared length, or the chunk that crosses the limit) and closes the
// connection with the rest of the body unread: the kernel then resets it, and a client still writing
// gets EPIPE or ECONNRESET instead of the answer (with a chunked body, always). So the rest is read and
// dropped first, up to BODY_DRAIN_BYTES; only a body beyond that is cut short.
import { Readable } from "node:stream";
import type { FastifyRequest } from "fastify";
import { Problem } from "./problems.ts";

/** The largest body accepted (JSON forms; the biggest, a registration, is a few KB). */
export const BODY_LIMIT = 64 * 1024;
/** The most of an oversized body read and dropped so that its 413 arrives; beyond it, the connection is cut. */
export const BODY_DRAIN_BYTES = 4 * 1024 * 1024;

const tooLarge = (cut: boolean) =>
  new Problem(413, "payloadTooLarge", {}, cut ? { connection: "close" } : {});

/** Fastify's preParsing hook: drains a declared oversized body, bounds a chunked one. */
export async function boundedBody(request: FastifyRequest, _reply: unknown, payload: Readable) {
  const declared = Number(request.headers["content-length"]);
  if (declared > BODY_LIMIT) {
    if (declared > BODY_DRAIN_BYTES) throw tooLarge(true);
    // A client that gives up midway gets the same answer, which it no longer reads.
    await (async () => {
      for await (const _ of payload);
    })().catch(() => undefined);
    throw tooLarge(false);
  }
  if (request.headers["transfer-encoding"] === undefined) return payload;
  return new BoundedBody(payload);
}

/**
 * The chunked body, passed on up to BODY_LIMIT; past it dropped to its end (up to BODY_DRAIN_BYTES),
 * then an error. It starts reading its source only when it is read itself: a route that hands the raw
 * request to a library of its own (oidc-provider) still finds it untouched.
 */
class BoundedBody extends Readable {
  private received = 0;
  private started = false;

  private readonly source: Readable;
  constructor(source: Readable) {
    super();
    this.source = source;
  }

  override _read() {
    if (this.started) {
      this.source.resume();
      return;
    }
    this.started = true;
    const onData = (chunk: Buffer) => {
      this.received += chunk.length;
      if (this.received > BODY_DRAIN_BYTES) {
        this.source.off("data", onData);
        this.source.pause();
        this.destroy(tooLarge(true));
      } else if (this.received <= BODY_LIMIT && !this.push(chunk)) this.source.pause();
    };
    this.source.on("data", onData);
    this.source.once("end", () => {
      if (this.received > BODY_LIMIT) this.destroy(tooLarge(false));
      else this.push(null);
    });
    this.source.once("error", (error) => this.destroy(error));
  }
}
