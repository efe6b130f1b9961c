// An HTTP POST under faults: its status, Retry-After, type and body, or "dropped" when the connection
// itself failed (which the fault tests count as a defect, unlike a 503).
export type Answer =
  | { status: number; retryAfter: string | null; type: string | null; body: string }
  | "dropped";

export async function postAnswer(base: string, path: string, body: string | object): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get("retry-after"),
      type: res.headers.get("content-type"),
      body: await res.text(),
    };
  } catch {
    return "dropped";
  }
}
