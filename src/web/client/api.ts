// The public HTTP API, as the pages use it: JSON in, JSON or a problem document out.
import type { Locale } from "../../messages/index.ts";
import { solveChallenge } from "./challenge.ts";

export type FieldProblem = { field: string; code: string; message: string };
export type ApiProblem = {
  status: number;
  title: string;
  code?: string;
  errors?: FieldProblem[];
  retryAfterSeconds?: number;
  body: Record<string, unknown>;
};
export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; problem: ApiProblem };

let currentLocale: Locale = "fa";
export function setApiLocale(locale: Locale) {
  currentLocale = locale;
}

let lastAnswer = Date.now();
/** When the server last answered this page (each answer to a signed-in page renewed its session). */
export const lastApiAnswer = () => lastAnswer;

/** Rounds of challenge and repeat before the answer goes back to the form as it is. */
const CHALLENGE_ROUNDS = 3;

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  altcha?: string,
  round = 0,
): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        "accept-language": currentLocale,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...(altcha ? { "x-altcha": altcha } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, problem: { status: 0, title: "", code: "network", body: {} } };
  }
  lastAnswer = Date.now();
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data: data as T };
  const doc = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  // Every form gets this: a busy shared address (or a guessed-at national ID) asks for a proof of
  // work, solved in the browser, and the same request goes again.
  if (response.status === 429 && doc.code === "challenge_required" && round < CHALLENGE_ROUNDS) {
    const header = await solveChallenge(doc.challenge, currentLocale);
    if (header) return api<T>(method, path, body, header, round + 1);
  }
  const retry = Number(response.headers.get("retry-after"));
  return {
    ok: false,
    problem: {
      status: response.status,
      title: typeof doc.title === "string" ? doc.title : "",
      ...(typeof doc.code === "string" ? { code: doc.code } : {}),
      ...(Array.isArray(doc.errors) ? { errors: doc.errors as FieldProblem[] } : {}),
      ...(Number.isFinite(retry) && retry > 0 ? { retryAfterSeconds: retry } : {}),
      body: doc,
    },
  };
}
