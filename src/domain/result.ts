export type FieldError = { field: string; code: string };
export type Result<T> = { ok: true; value: T } | { ok: false; code: string };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/**
 * Binds a module's failure helper to its own list of codes, so a code used in the module but
 * missing from the list (and so possibly missing from the message files) is a type error.
 */
export function failureFor<const C extends readonly string[]>(_codes: C) {
  return (code: C[number]): { ok: false; code: C[number] } => ({ ok: false, code });
}
