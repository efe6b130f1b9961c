// One guard for every string that enters through HTTP (body, query string, path parameters), run
// before any schema or handler: control characters and bidirectional overrides are refused, naming
// the field. NUL made PostgreSQL fail (a 500); bidi overrides let an admin-entered name display as
// something else («RLO» turns "evil.gpj" around); other C0 controls have no place in names, codes or IDs.
import type { FieldError } from "../domain/result.ts";

/** C0 controls, DEL, C1 controls, bidi embeddings/overrides (U+202A–202E) and isolates (U+2066–2069). */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const FORBIDDEN_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Free-text fields that may span lines (tab, newline, carriage return): a lock's reason. */
const MULTILINE_FIELDS = new Set(["reason"]);

export function forbiddenText(value: string, field: string): boolean {
  const last = field.split(".").at(-1) ?? field;
  return (MULTILINE_FIELDS.has(last) ? FORBIDDEN_MULTILINE : FORBIDDEN).test(value);
}

/** Every string in `value` (objects and arrays walked, depth-limited) that holds a forbidden character. */
export function controlCharacterErrors(value: unknown, path = "", errors: FieldError[] = [], depth = 0) {
  if (depth > 8 || errors.length >= 20) return errors;
  if (typeof value === "string") {
    if (forbiddenText(value, path)) errors.push({ field: path || "body", code: "text.controlCharacters" });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) =>
      controlCharacterErrors(item, path ? `${path}.${i}` : String(i), errors, depth + 1),
    );
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (FORBIDDEN.test(key)) errors.push({ field: path || "body", code: "text.controlCharacters" });
      else controlCharacterErrors(item, field, errors, depth + 1);
    }
  }
  return errors;
}
