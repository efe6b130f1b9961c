// The embedded database's connection: a stream in this process that hands `pg`'s wire-protocol bytes
// to PGlite and its answers back, in place of a loopback socket to a socket server. `pg` corks the
// messages of a statement (Parse, Bind, Describe, Execute, Sync), so each statement is one call into
// PGlite instead of a socket write, five queued calls and five socket writes back (decision 001).
import { Duplex } from "node:stream";
import type { PGlite } from "@electric-sql/pglite";

/** A simple-query message (`Q`): what a dying connection sends to roll its open transaction back. */
function simpleQuery(text: string): Buffer {
  const body = Buffer.from(`${text}\0`, "utf8");
  const message = Buffer.alloc(5 + body.length);
  message.write("Q", 0, "latin1");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}
const ROLLBACK = simpleQuery("rollback");
// Named prepared statements outlive a connection here, since PGlite's session does: a new `pg`
// client, which knows none of them, would prepare one again and be refused (42P05, already exists).
const DEALLOCATE = simpleQuery("deallocate all");
const ignore = () => undefined;

/**
 * One session of `lite`, for `new pg.Pool({ stream: () => new PGliteStream(lite) })`: only one may be
 * open at a time (PGlite is a single session; the pool has one connection). Destroyed (by `pg` after
 * an error, or by a test cutting it), it rolls back a transaction left open, and each new one starts
 * by forgetting the prepared statements of the one before: every connection starts clean, as a
 * server's new session does.
 */
export class PGliteStream extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;

  private readonly lite: PGlite;
  constructor(lite: PGlite) {
    super();
    this.lite = lite;
  }

  // The net.Socket surface that pg's Connection uses.
  connect(): this {
    process.nextTick(() => this.emit("connect"));
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.feed(chunk).then(() => done(), done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.feed(chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk))).then(
      () => done(),
      done,
    );
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.pending = Buffer.alloc(0);
    if (!this.started) {
      done(error);
      return;
    }
    this.reset().then(
      () => done(error),
      (rollback: Error) => done(error ?? rollback),
    );
  }

  /** Rolls back a transaction left open and, for a new connection, forgets prepared statements. */
  private reset(forget = false): Promise<void> {
    return this.lite.runExclusive(async () => {
      if (this.lite.isInTransaction()) {
        await this.lite.execProtocolRawStream(ROLLBACK, { onRawData: ignore });
      }
      if (forget) await this.lite.execProtocolRawStream(DEALLOCATE, { onRawData: ignore });
    });
  }

  /** Runs the complete messages received so far; a partial one waits for the rest. */
  private async feed(data: Buffer): Promise<void> {
    const buffer = this.pending.length > 0 ? Buffer.concat([this.pending, data]) : data;
    let end = 0;
    if (!this.started) {
      // The startup message has no type byte, and PGlite takes it on its own.
      if (buffer.length < 4 || buffer.length < buffer.readInt32BE(0)) {
        this.pending = buffer;
        return;
      }
      end = buffer.readInt32BE(0);
      this.started = true;
      await this.reset(true);
      await this.run(buffer.subarray(0, end));
    }
    let complete = end;
    while (buffer.length - complete >= 5) {
      const length = 1 + buffer.readInt32BE(complete + 1);
      if (buffer.length - complete < length) break;
      complete += length;
    }
    if (complete > end) await this.run(buffer.subarray(end, complete));
    this.pending = complete < buffer.length ? Buffer.from(buffer.subarray(complete)) : Buffer.alloc(0);
  }

  private run(messages: Buffer): Promise<void> {
    return this.lite.runExclusive(async () => {
      if (this.destroyed) return;
      await this.lite.execProtocolRawStream(messages, {
        onRawData: (answer) => {
          if (!this.destroyed && answer.length > 0) this.push(Buffer.from(answer));
        },
      });
    });
  }
}
