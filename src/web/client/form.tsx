// Form parts in the GOV.UK pattern: a label tied to each input, a hint and an inline error named by
// aria-describedby, and an error summary at the top whose links move to each field.
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useI18n } from "./i18n.ts";

/** A field's message; a field that breaks several rules has one message a line (see addError). */
export type Errors = Record<string, string>;

/** Adds a message to a field: each broken rule keeps its own message, shown all at once. */
export function addError(errors: Errors, field: string, message: string) {
  const previous = errors[field];
  if (previous === undefined) errors[field] = message;
  else if (!previous.split("\n").includes(message)) errors[field] = `${previous}\n${message}`;
}

/** The element id of a field, also for nested fields such as securityAnswers.0.answer. */
export const fieldId = (field: string) => `f-${field.replaceAll(".", "-")}`;

/**
 * `focusKey`, when given, is the only thing that moves the focus to the summary: the form changes it
 * on each submission, so errors found as the person types or leaves a field never take the focus.
 */
export function ErrorSummary({
  errors,
  order,
  focusKey,
}: {
  errors: Errors;
  order?: string[];
  focusKey?: number;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLElement>(null);
  const fields = Object.keys(errors).sort((a, b) => rank(order, a) - rank(order, b));
  const signature = fields.map((f) => `${f}:${errors[f]}`).join("|");
  const shown = useRef<string[]>([]);
  const focusedKey = useRef(focusKey);
  // The summary takes the focus when errors appear, but not from a field being typed in whose own
  // message changes as it is checked live: that focus change lost the rest of the keys typed.
  useEffect(() => {
    if (focusKey !== undefined) {
      if (focusKey !== focusedKey.current && fields.length > 0) ref.current?.focus();
      focusedKey.current = focusKey;
      return;
    }
    const typing = document.activeElement?.matches("input, select, textarea") ?? false;
    const added = fields.some((f) => !shown.current.includes(f));
    shown.current = fields;
    if (fields.length > 0 && (!typing || added)) ref.current?.focus();
  }, [signature, focusKey]);
  if (fields.length === 0) return null;
  return (
    <section class="error-summary" ref={ref} tabIndex={-1} aria-labelledby="error-summary-title">
      <h2 id="error-summary-title" class="error-summary__title">
        {t("errorSummaryTitle")}
      </h2>
      <ul class="error-summary__list">
        {fields.flatMap((field) =>
          (errors[field] ?? "").split("\n").map((message) => (
            <li key={`${field}:${message}`}>
              <a
                href={`#${fieldId(field)}`}
                onClick={(e) => {
                  e.preventDefault();
                  focusField(field);
                }}
              >
                {message}
              </a>
            </li>
          )),
        )}
      </ul>
    </section>
  );
}

function rank(order: string[] | undefined, field: string) {
  const i = order?.findIndex((f) => field === f || field.startsWith(`${f}.`)) ?? -1;
  return i < 0 ? 999 : i;
}

export function focusField(field: string) {
  const el = document.getElementById(fieldId(field));
  const target = el?.matches("fieldset") ? el.querySelector<HTMLElement>("input, select") : el;
  target?.focus();
  target?.scrollIntoView({ block: "center" });
}

export function ErrorMessage({ id, message }: { id: string; message: string | undefined }) {
  const { t } = useI18n();
  if (!message) return null;
  return (
    <div id={id}>
      {message.split("\n").map((line) => (
        <p key={line} class="error-message">
          <span class="visually-hidden">{t("errorPrefix")} </span>
          {line}
        </p>
      ))}
    </div>
  );
}

type TextFieldProps = {
  field: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  onBlur?: () => void;
  error?: string | undefined;
  hint?: string;
  type?: "text" | "password" | "email" | "tel";
  numeric?: boolean;
  autocomplete?: string;
  dir?: "ltr" | "rtl" | "auto";
  required?: boolean;
  width?: "short" | "medium" | "full";
};

export function TextField(p: TextFieldProps) {
  const id = fieldId(p.field);
  const describedBy = [p.hint ? `${id}-hint` : "", p.error ? `${id}-error` : ""].filter(Boolean).join(" ");
  const password = p.type === "password";
  const [shown, setShown] = useState(false);
  const input = (
    <input
      id={id}
      name={p.field}
      class={`input input--${p.width ?? "medium"}`}
      type={password && shown ? "text" : (p.type ?? "text")}
      value={p.value}
      onInput={(e) => p.onValue(e.currentTarget.value)}
      onBlur={p.onBlur}
      aria-describedby={describedBy || undefined}
      aria-invalid={p.error ? "true" : undefined}
      aria-required={p.required === false ? undefined : "true"}
      inputMode={p.numeric ? "numeric" : undefined}
      autoComplete={p.autocomplete ?? "off"}
      // A shown password is a text field: no capital put first or word "corrected" by the keyboard.
      {...(password ? { autoCapitalize: "none", autoCorrect: "off" } : {})}
      spellcheck={false}
      dir={p.dir}
    />
  );
  return (
    <div class={`form-group${p.error ? " form-group--error" : ""}`}>
      <label class="label" for={id}>
        {p.label}
        {p.required !== false && <span aria-hidden="true"> *</span>}
      </label>
      {p.hint && (
        <p id={`${id}-hint`} class="hint">
          {p.hint}
        </p>
      )}
      <ErrorMessage id={`${id}-error`} message={p.error} />
      {password ? (
        <PasswordToggle id={id} shown={shown} onShown={setShown}>
          {input}
        </PasswordToggle>
      ) : (
        input
      )}
    </div>
  );
}

/**
 * Shows or hides the password typed (GOV.UK's password input): the field keeps the focus and the
 * caret where they were, the change is announced, and the password is hidden again on submit so that
 * it is never left readable or saved by the browser as plain text.
 */
function PasswordToggle(p: {
  id: string;
  shown: boolean;
  onShown: (shown: boolean) => void;
  children: ComponentChildren;
}) {
  const { t } = useI18n();
  const restore = useRef<{ start: number | null; end: number | null; focused: boolean } | null>(null);
  const field = () => document.getElementById(p.id) as HTMLInputElement | null;
  useLayoutEffect(() => {
    const input = field();
    const saved = restore.current;
    restore.current = null;
    if (!input || !saved?.focused) return;
    input.focus();
    if (saved.start !== null && saved.end !== null) input.setSelectionRange(saved.start, saved.end);
  }, [p.shown]);
  useEffect(() => {
    const form = field()?.form;
    const hide = () => p.onShown(false);
    form?.addEventListener("submit", hide);
    return () => form?.removeEventListener("submit", hide);
  }, []);
  const toggle = () => {
    const input = field();
    restore.current = {
      start: input?.selectionStart ?? null,
      end: input?.selectionEnd ?? null,
      focused: input !== null && document.activeElement === input,
    };
    p.onShown(!p.shown);
  };
  return (
    <div class="password-input">
      {p.children}
      <button
        type="button"
        class="button button--secondary password-input__toggle"
        aria-controls={p.id}
        aria-pressed={p.shown ? "true" : "false"}
        // A tap on the button leaves the focus (and the phone's keyboard) in the field.
        onMouseDown={(e) => e.preventDefault()}
        onClick={toggle}
      >
        {t(p.shown ? "password.hide" : "password.show")}
      </button>
      <span class="visually-hidden" aria-live="polite">
        {p.shown ? t("password.shownStatus") : ""}
      </span>
    </div>
  );
}

type Option = { value: string; label: string };

export function Radios(p: {
  field: string;
  legend: string;
  options: Option[];
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  inline?: boolean;
}) {
  const id = fieldId(p.field);
  return (
    <fieldset
      id={id}
      class={`form-group fieldset${p.error ? " form-group--error" : ""}`}
      aria-describedby={p.error ? `${id}-error` : undefined}
    >
      <legend class="label">
        {p.legend}
        <span aria-hidden="true"> *</span>
      </legend>
      <ErrorMessage id={`${id}-error`} message={p.error} />
      <div class={p.inline ? "radios radios--inline" : "radios"}>
        {p.options.map((o) => (
          <div class="radio" key={o.value}>
            <input
              id={`${id}-${o.value}`}
              type="radio"
              name={p.field}
              value={o.value}
              checked={p.value === o.value}
              onChange={() => p.onValue(o.value)}
            />
            <label for={`${id}-${o.value}`}>{o.label}</label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

export function Notice({ title, children }: { title?: string; children: ComponentChildren }) {
  return (
    <div class="notice">
      {title && <p class="notice__title">{title}</p>}
      {children}
    </div>
  );
}

/** The national ID as every form asks for it: digits of either script, read left to right. */
export function NationalIdField(p: {
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  onBlur?: () => void;
  autocomplete?: string;
}) {
  const { t } = useI18n();
  return (
    <TextField
      field="nationalId"
      label={t("fields.nationalId")}
      value={p.value}
      onValue={p.onValue}
      error={p.error}
      {...(p.onBlur ? { onBlur: p.onBlur } : {})}
      numeric
      width="short"
      dir="ltr"
      {...(p.autocomplete ? { autocomplete: p.autocomplete } : {})}
    />
  );
}

/**
 * The wizard's step bar: done steps are ticked (by default those before the current one), the
 * current one is announced.
 */
export function StepBar(p: { labels: string[]; current: number; modifier?: string; done?: boolean[] }) {
  const { t, num } = useI18n();
  const done = (i: number) => (p.done ? p.done[i] === true : i < p.current);
  return (
    <ol class={p.modifier ? `steps ${p.modifier}` : "steps"} aria-label={t("stepsLabel")}>
      {p.labels.map((label, i) => (
        <li
          key={label}
          class={
            i === p.current
              ? "steps__item steps__item--current"
              : done(i)
                ? "steps__item steps__item--done"
                : "steps__item"
          }
          aria-current={i === p.current ? "step" : undefined}
        >
          <span class="steps__number" aria-hidden="true">
            {i !== p.current && done(i) ? "✓" : num(i + 1)}
          </span>
          <span class="steps__label">{label}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * A page of steps: `go` moves to a step and the focus to its heading (the element `heading` is given
 * to), so that a screen reader says where the person is; the first step leaves the focus where it is.
 */
export function useSteps<S>(first: S) {
  const [step, setStep] = useState(first);
  const heading = useRef<HTMLHeadingElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (moved.current) heading.current?.focus();
    moved.current = false;
  }, [step]);
  const go = (to: S) => {
    setStep(to);
    moved.current = true;
  };
  return { step, go, heading };
}

/** A polite live region: announces changes (a new step, a result) to screen readers. */
export function Announcer({ message }: { message: string }) {
  return (
    <div class="visually-hidden" aria-live="polite" role="status">
      {message}
    </div>
  );
}
