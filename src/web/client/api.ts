// The public HTTP API, as the pages use it: JSON in, JSON or a problem document out.
import type { Locale } from "../../messages/index.ts";

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

export async function api<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        "accept-language": currentLocale,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, problem: { status: 0, title: "", code: "network", body: {} } };
  }
  const text = await response.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data: data as T };
  const doc = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
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
