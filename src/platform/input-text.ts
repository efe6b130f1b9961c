// One guard for every string that enters through HTTP (body, query string, path parameters), run
// before any schema or handler: control characters and bidirectional overrides are refused, naming
// the field. NUL made PostgreSQL fail (a 500); bidi overrides let an admin-entered name display as
// something else («RLO» turns "evil.gpj" around); other C0 controls have no place in names, codes or IDs.
import type { FieldError } from "../domain/result.ts";

/** Free-text fields that may span lines (tab, newline, carriage return): a lock's reason. */
const MULTILINE_FIELDS = new Set(["reason"]);
const LINE_CHARACTERS = new Set([0x09, 0x0a, 0x0d]);

/** C0 controls, DEL, C1 controls, bidi embeddings/overrides (U+202A–202E) and isolates (U+2066–2069). */
function forbidden(code: number, multiline: boolean): boolean {
  if (code <= 0x1f) return !(multiline && LINE_CHARACTERS.has(code));
  return (
    (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)
  );
}

export function forbiddenText(value: string, field: string): boolean {
  const multiline = MULTILINE_FIELDS.has(field.split(".").at(-1) ?? field);
  for (let i = 0; i < value.length; i++) if (forbidden(value.charCodeAt(i), multiline)) return true;
  return false;
}

/** Every string in `value` (objects and arrays walked, depth-limited) that holds a forbidden character. */
export function controlCharacterErrors(value: unknown, path = "", errors: FieldError[] = [], depth = 0) {
  if (depth > 8 || errors.length >= 20) return errors;
  if (typeof value === "string") {
    if (forbiddenText(value, path)) errors.push({ field: path || "body", code: "text.controlCharacters" });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      controlCharacterErrors(item, path ? `${path}.${i}` : String(i), errors, depth + 1);
    }
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const field = path ? `${path}.${key}` : key;
      if (forbiddenText(key, "")) errors.push({ field: path || "body", code: "text.controlCharacters" });
      else controlCharacterErrors(item, field, errors, depth + 1);
    }
  }
  return errors;
}
