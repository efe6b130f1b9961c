// pino JSON logs. Personal data never reaches a log line whole: national IDs, mobiles and emails in
// URLs and messages are masked (0012****89), and bodies, cookies and auth headers are not logged.
import pino, { type Logger } from "pino";

const NATIONAL_ID_OR_MOBILE = /(?<!\d)(\d{4})\d{4,5}(\d{2})(?!\d)/g;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+)/g;

export function maskPii(text: string): string {
  return text.replace(NATIONAL_ID_OR_MOBILE, "$1****$2").replace(EMAIL, "$1***@$2");
}

export function createLogger(level: string): Logger {
  return pino({
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
  });
}
