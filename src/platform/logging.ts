// pino JSON logs. Personal data never reaches a log line whole: national IDs, mobiles and emails in
// URLs and messages are masked (0012****89), and bodies, cookies and auth headers are not logged.
// Tokens and codes in a URL's query or fragment (an e-service sending `?access_token=…`) are replaced.
import pino, { type DestinationStream, type Logger } from "pino";

const NATIONAL_ID_OR_MOBILE = /(?<!\d)(\d{4})\d{4,5}(\d{2})(?!\d)/g;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)/g;

const TOKEN_PARAM =
  /([?&#;](?:access_token|refresh_token|id_token_hint|id_token|logout_token|code|code_verifier|client_secret)=)[^&#;\s"]*/gi;

export function redactTokens(text: string): string {
  return text.replace(TOKEN_PARAM, "$1[redacted]");
}

export function maskPii(text: string): string {
  return redactTokens(text).replace(NATIONAL_ID_OR_MOBILE, "$1****$2").replace(EMAIL, "$1***@$2");
}

/** `destination`: standard output unless given (a test reads what was written). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: {
      paths: ["req.headers.cookie", "req.headers.authorization", "res.headers['set-cookie']"],
      remove: true,
    },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        id: req.id,
        method: req.method,
        url: maskPii(req.url),
      }),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === "string" ? maskPii(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
