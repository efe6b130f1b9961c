// What the console and its pages share: the signed-in member, the person found, the errors of a
// problem (one message each), and messages whose codes and names are isolated (<bdi>) in the text.
import type { ComponentChildren } from "preact";
import type { Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";

export type StaffMe = {
  username: string;
  name: string;
  role: "admin" | "branch_operator";
  branch: { code: string; name: string } | null;
  fourEyes: boolean;
  mustChangePassword: boolean;
  /** An administrator without a passkey: the console shows enrolment first. */
  passkeyRequired: boolean;
};

export type Person = {
  nationalId: string;
  requests: {
    id: string;
    status: string;
    mismatchFields: string[];
    mobile: string;
    submittedOn: string;
    decidedOn: string | null;
    accountCameFromIt: boolean;
  }[];
  account: {
    name: string;
    status: string;
    mobile: string;
    email: string;
    createdOn: string;
    activatedOn: string | null;
  } | null;
  pendingMobileChanges: { id: string; mobile: string; requestedOn: string }[];
  pendingActivation: {
    id: string;
    status: "pending_code" | "pending_approval";
    mobile: string | null;
    branch: string;
    requestedBy: string;
  } | null;
};

type Problem = { title: string; errors?: { field: string; message: string }[] };

/**
 * A problem's field errors, each message once: two fields refused for one reason (both originals
 * not seen) are one error in the summary, under the first of them.
 */
export function oneMessageEach(errors: Errors): Errors {
  const out: Errors = {};
  const seen = new Set<string>();
  for (const [field, message] of Object.entries(errors)) {
    const lines = message.split("\n").filter((line) => !seen.has(line));
    for (const line of lines) seen.add(line);
    if (lines.length > 0) out[field] = lines.join("\n");
  }
  return out;
}

export function toErrors(p: Problem, fallback: string): Errors {
  const out: Errors = {};
  for (const e of p.errors ?? []) out[e.field] ??= e.message;
  if (Object.keys(out).length === 0) out.form = p.title || fallback;
  return oneMessageEach(out);
}

// Private-use marks around each parameter, so that the translated text can be cut at them.
const OPEN = "\uE000";
const CLOSE = "\uE001";

/**
 * `t(key, params)` with each parameter in its own <bdi>: a Latin code such as TEH-12 or a username
 * inside Persian text keeps its order and does not pull the punctuation around it.
 */
export function Isolated({ k, params }: { k: string; params: Record<string, string | number> }) {
  const { t } = useI18n();
  const names = Object.keys(params);
  const marked = Object.fromEntries(names.map((name, i) => [name, `${OPEN}${i}${CLOSE}`]));
  const parts: ComponentChildren[] = t(k, marked)
    .split(new RegExp(`${OPEN}(\\d+)${CLOSE}`))
    .map((part, i) => (i % 2 === 0 ? part : <bdi key={i}>{params[names[Number(part)] ?? ""]}</bdi>));
  return <>{parts}</>;
}
