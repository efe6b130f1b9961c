// Bounded shutdown (issue 22): every step of closing has a deadline, because a client can hold a
// connection forever (a socket that asked for a large answer and never reads it, half a request that
// waits for Node's 60 s header timeout) and a closing library can wait on it (Fastify's close waits
// for every connection, a pool's end for every client checked out).
import type { Server } from "node:http";

export const TIMED_OUT = Symbol("timed out");

/** `promise`, or TIMED_OUT once `ms` have passed (the timer does not keep the process alive). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * At `deadline` (a Date.now() time) destroys every connection the servers still hold, busy or idle;
 * their `close` then completes. Returns the function that calls it off once they closed in time.
 */
export function cutConnectionsAt(deadline: number, servers: Server[]): () => void {
  const timer = setTimeout(
    () => {
      for (const server of servers) server.closeAllConnections();
    },
    Math.max(0, deadline - Date.now()),
  );
  timer.unref();
  return () => clearTimeout(timer);
}
