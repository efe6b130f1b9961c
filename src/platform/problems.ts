// One error type for the wire: each carries its status and a message key; the app's error handler
// writes it as application/problem+json (RFC 9457) in the caller's language.
import type { FieldError } from "../domain/result.ts";
import type { Locale } from "../messages/index.ts";

export class Problem extends Error {
  readonly status: number;
  /** A message key under `problems.` in src/messages. */
  readonly code: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    extra: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(code);
    this.status = status;
    this.code = code;
    this.extra = extra;
    this.headers = headers;
  }

  /** Values for the `{placeholders}` of the title, in the caller's language (e.g. a Jalali date). */
  titleParams?(locale: Locale): Record<string, string | number>;
}

export class InvalidInput extends Problem {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(400, "invalidInput");
    this.errors = errors;
  }
}

export class TooManyRequests extends Problem {
  constructor(retryAfterSeconds: number) {
    super(429, "tooManyRequests", {}, { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export class Unauthorized extends Problem {
  constructor(code = "unauthorized") {
    super(401, code);
  }
}
