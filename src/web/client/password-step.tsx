// The form kit's password parts, shared by every page that asks for a password to be set or proved
// (registration, recovery, the first password, the account's and the staff member's change): the
// current password, the new one with R-PWD's live checklist, and its repeat; the pair's state and
// check; the change of a password that the current one proves.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { PersonalData } from "../../domain/password-blocklist.ts";
import { canJudge, hasNonLatin, PASSWORD_RULES, validatePasswordPair } from "../../domain/password-policy.ts";
import type { ApiProblem } from "./api.ts";
import { api } from "./api.ts";
import { loadedBlocklist, useBlocklist } from "./blocklist.ts";
import { SubmitButton } from "./code-step.tsx";
import { addError, ErrorSummary, type Errors, TextField } from "./form.tsx";
import { useI18n } from "./i18n.ts";

/** The current password that proves the holder before a change (re-authentication). */
export function CurrentPasswordField(p: {
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  label?: string;
  hint?: string;
}) {
  const { t } = useI18n();
  return (
    <TextField
      field="currentPassword"
      label={p.label ?? t("account.currentPassword")}
      {...(p.hint ? { hint: p.hint } : {})}
      value={p.value}
      onValue={p.onValue}
      error={p.error}
      type="password"
      autocomplete="current-password"
      dir="ltr"
    />
  );
}

/** A new password as every form asks for it: the password, R-PWD's live checklist, the repeat. */
export function NewPasswordFields(p: {
  password: string;
  onPassword: (value: string) => void;
  confirmation: string;
  onConfirmation: (value: string) => void;
  errors: Errors;
  /** The person's data the form knows, checked live ("not the national ID", "not made of it"). */
  person?: PersonalData;
  /** `person` is all the server checks: the common-or-personal rule can be judged live. */
  personKnown?: boolean;
  /** A staff member has no national ID: its rule is not listed. */
  staff?: boolean;
  label?: string;
  hint?: string;
  /** The wizard checks a field as the person leaves it. */
  onBlur?: (field: "password" | "passwordConfirmation") => void;
}) {
  const { t } = useI18n();
  const onBlur = p.onBlur;
  return (
    <>
      <TextField
        field="password"
        label={p.label ?? t("fields.password")}
        value={p.password}
        onValue={p.onPassword}
        {...(onBlur ? { onBlur: () => onBlur("password") } : {})}
        error={p.errors.password}
        type="password"
        autocomplete="new-password"
        dir="ltr"
        {...(p.hint ? { hint: p.hint } : {})}
      />
      <PasswordChecklist
        password={p.password}
        {...(p.person ? { person: p.person } : {})}
        personKnown={p.personKnown ?? false}
        staff={p.staff ?? false}
      />
      <TextField
        field="passwordConfirmation"
        label={t("fields.passwordConfirmation")}
        value={p.confirmation}
        onValue={p.onConfirmation}
        {...(onBlur ? { onBlur: () => onBlur("passwordConfirmation") } : {})}
        error={p.errors.passwordConfirmation}
        type="password"
        autocomplete="new-password"
        dir="ltr"
      />
    </>
  );
}

/**
 * A new password and its repeat as a page holds them: the props of NewPasswordFields, R-PWD checked
 * before the form is sent (against `person`, what the page knows of the holder), and the body's two
 * fields.
 */
export function useNewPassword(person?: PersonalData) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  return {
    fields: { password, onPassword: setPassword, confirmation, onConfirmation: setConfirmation },
    body: { password, passwordConfirmation: confirmation },
    /** Adds the broken rules to `found`, each with its own message. */
    check(found: Errors) {
      const context = { ...person, blocklist: loadedBlocklist() };
      for (const err of validatePasswordPair(password, confirmation, context))
        addError(found, err.field, t(`errors.${err.code}`));
    },
  };
}

const NO_WAIT = { left: 0, notice: null };

export const CHANGE_FIELDS = ["currentPassword", "password", "passwordConfirmation"];

/**
 * A password changed by its holder, who proves it with the current one: the account's change and the
 * staff member's first sign-in. `toErrors` maps the server's refusal (null: the page dealt with it);
 * `wait`, when the page counts a 429's wait down, keeps the button disabled and says how long.
 */
export function ChangePasswordForm(p: {
  url: string;
  submit: string;
  onDone: () => void;
  toErrors: (problem: ApiProblem) => Errors | null;
  wait?: { left: number; notice: ComponentChildren };
  intro?: ComponentChildren;
  currentLabel?: string;
  person?: PersonalData;
  staff?: boolean;
}) {
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const next = useNewPassword(p.person);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (current === "") found.currentPassword = t("errors.currentPassword.required");
    next.check(found);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const r = await api("POST", p.url, { currentPassword: current, ...next.body });
    setBusy(false);
    if (r.ok) return p.onDone();
    const out = p.toErrors(r.problem);
    if (out) setErrors(out);
  };

  return (
    <>
      <ErrorSummary errors={errors} order={[...CHANGE_FIELDS, "form"]} />
      {p.intro}
      <form noValidate onSubmit={submit}>
        <CurrentPasswordField
          value={current}
          onValue={setCurrent}
          error={errors.currentPassword}
          {...(p.currentLabel ? { label: p.currentLabel } : {})}
        />
        <NewPasswordFields
          {...next.fields}
          errors={errors}
          {...(p.person ? { person: p.person } : {})}
          label={t("account.newPassword")}
          staff={p.staff ?? false}
        />
        <SubmitButton label={p.submit} busy={busy} wait={p.wait ?? NO_WAIT} />
      </form>
    </>
  );
}

/**
 * R-PWD as a live checklist from the domain's own rule table, as the user types. A rule the page
 * cannot judge (the person's data or the common passwords not all here) says it is checked at
 * submission and never shows ✓; letters outside Latin get a hint of their own.
 */
export function PasswordChecklist({
  password,
  person,
  personKnown = false,
  staff = false,
}: {
  password: string;
  person?: PersonalData;
  personKnown?: boolean;
  staff?: boolean;
}) {
  const { t } = useI18n();
  const blocklist = useBlocklist();
  const context = { ...person, blocklist };
  const rules = PASSWORD_RULES.filter((rule) => !(staff && rule.needs === "nationalId"));
  return (
    <div class="checklist" id="password-rules">
      <p class="checklist__title">{t("passwordRulesTitle")}</p>
      <ul>
        {rules.map((rule) => {
          const later = !canJudge(rule, context, personKnown);
          const kept = !later && password !== "" && rule.test(password, context);
          return (
            <li key={rule.code} class={kept ? "rule rule--kept" : later ? "rule rule--later" : "rule"}>
              <span class="rule__mark" aria-hidden="true">
                {kept ? "✓" : later ? "…" : "•"}
              </span>
              <span>
                {t(`passwordRules.${rule.code.split(".")[1]}`)}
                {later && <span class="rule__later"> {t("ruleLater")}</span>}
              </span>
              <span class="visually-hidden">
                {" "}
                — {t(kept ? "ruleKept" : later ? "ruleLater" : "ruleNotKept")}
              </span>
            </li>
          );
        })}
      </ul>
      {hasNonLatin(password) && (
        <p class="checklist__latin" id="password-latin">
          {t("passwordLatinHint")}
        </p>
      )}
    </div>
  );
}
