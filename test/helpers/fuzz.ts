// Values for schema-driven fuzzing: from a JSON schema (as @fastify/swagger writes it into the OpenAPI
// document), a value that fits it — random or at a boundary — or one that breaks it on purpose.
// Seeded, so a failure is replayed with the same FUZZ_SEED.

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
};

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Strings people and attackers type: domain-shaped, Persian, control and bidi characters, injections. */
const NASTY = [
  "",
  " ",
  "0012345679",
  "۰۰۱۲۳۴۵۶۷۹",
  "0000000000",
  "09121234567",
  "+989121234567",
  "1365/04/12",
  "1403/12/30",
  "1365/13/40",
  "9999/99/99",
  "علی",
  "عبد الله",
  "ك ي",
  "q1",
  "sms",
  "email",
  "questions",
  "male",
  "admin",
  "branch_operator",
  "00000000-0000-0000-0000-000000000000",
  "not-a-uuid",
  "a@b.c",
  "\u0000",
  "\u0000abc",
  "\u202e\u200f",
  "\ud800",
  "😀",
  "\r\n",
  "<script>alert(1)</script>",
  "' or 1=1 --",
  "%",
  "%00",
  "../../etc/passwd",
  "null",
  "-1",
  "1e309",
  "NaN",
  "__proto__",
  "constructor",
];

function randomString(random: Random, maxLength = 64): string {
  const alphabets = [
    "abcXYZ019",
    "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی",
    "۰۱۲۳۴۵۶۷۸۹",
    "\u0000\u0007\t\n\u200c\u202e",
  ];
  const length = Math.floor(random() * Math.min(maxLength, 80));
  const alphabet = pick(random, alphabets);
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
  return s;
}

function stringFor(schema: JsonSchema, random: Random): string {
  const max = schema.maxLength ?? 256;
  const min = schema.minLength ?? 0;
  const r = random();
  if (r < 0.15) return "x".repeat(max);
  if (r < 0.2) return "x".repeat(min);
  if (r < 0.25) return "ی".repeat(max);
  if (r < 0.6) {
    const nasty = pick(random, NASTY);
    return nasty.length <= max ? nasty : nasty.slice(0, max);
  }
  return randomString(random, max);
}

function numberFor(schema: JsonSchema, random: Random, integer: boolean): number {
  const min = schema.minimum ?? -(2 ** 31);
  const max = schema.maximum ?? 2 ** 31;
  const choices = [min, max, 0, 1, -1];
  if (random() < 0.5) return pick(random, choices);
  const n = min + random() * (max - min);
  return integer ? Math.round(n) : n;
}

function types(schema: JsonSchema): string[] {
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type];
  if (schema.properties) return ["object"];
  return [];
}

/** A value that fits `schema` (random, or at one of its boundaries). */
export function fitting(schema: JsonSchema, random: Random, depth = 0): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return pick(random, schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fitting(pick(random, alternatives), random, depth);
  if (schema.allOf?.length) return fitting(Object.assign({}, ...schema.allOf), random, depth);
  const type = pick(random, types(schema).length ? types(schema) : ["string", "integer", "boolean", "null"]);
  switch (type) {
    case "string":
      return stringFor(schema, random);
    case "integer":
      return numberFor(schema, random, true);
    case "number":
      return numberFor(schema, random, false);
    case "boolean":
      return random() < 0.5;
    case "null":
      return null;
    case "array": {
      const max = Math.min(schema.maxItems ?? 5, 12);
      const length = random() < 0.2 ? max : Math.floor(random() * (max + 1));
      return Array.from({ length }, () =>
        schema.items && depth < 4 ? fitting(schema.items, random, depth + 1) : 0,
      );
    }
    default: {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (required.has(key) || random() < 0.8)
          out[key] = depth < 4 ? fitting(sub, random, depth + 1) : null;
      }
      return out;
    }
  }
}

/** A value of the wrong kind altogether: the schema should refuse it (400), never fail on it (500). */
export function anything(random: Random, depth = 0): unknown {
  const r = random();
  if (r < 0.15) return null;
  if (r < 0.3) return pick(random, [0, -1, 1.5, 2 ** 53 + 1, -(2 ** 63), 1e308]);
  if (r < 0.4) return random() < 0.5;
  if (r < 0.6) return pick(random, NASTY);
  if (r < 0.8 && depth < 3)
    return Array.from({ length: Math.floor(random() * 4) }, () => anything(random, depth + 1));
  if (depth < 3)
    return { [pick(random, ["a", "__proto__", "constructor", "0"])]: anything(random, depth + 1) };
  return "x".repeat(Math.floor(random() * 300));
}

/** A value that breaks `schema` in one place: over a limit, a wrong type, a required field missing. */
export function violating(schema: JsonSchema, random: Random): unknown {
  const kind = types(schema)[0];
  const r = random();
  if (kind === "string" && schema.maxLength !== undefined && r < 0.4) return "x".repeat(schema.maxLength + 1);
  if (kind === "array" && schema.maxItems !== undefined && r < 0.4) {
    return Array.from({ length: schema.maxItems + 1 }, () =>
      schema.items ? fitting(schema.items, random) : 0,
    );
  }
  const keys = Object.keys(schema.properties ?? {});
  // An object schema with no properties (a body of anything) has nothing to break in one place.
  if (kind === "object" && schema.properties && keys.length > 0 && r < 0.8) {
    const out = fitting(schema, random) as Record<string, unknown>;
    const key = pick(random, keys);
    if (schema.required?.includes(key) && random() < 0.3) delete out[key];
    else out[key] = random() < 0.5 ? violating(schema.properties[key]!, random) : anything(random);
    if (random() < 0.2) out.unexpected = anything(random);
    return out;
  }
  return anything(random);
}
