// The form kit's password parts, shared by every page that asks for a password to be set or proved
// (registration, recovery, the first password, the account's and the staff member's change): the
// current password, the new one with R-PWD's live checklist, and its repeat.
import type { PersonalData } from "../../domain/password-blocklist.ts";
import { canJudge, hasNonLatin, PASSWORD_RULES } from "../../domain/password-policy.ts";
import { useBlocklist } from "./blocklist.ts";
import { type Errors, TextField } from "./form.tsx";
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
}) {
  const { t } = useI18n();
  return (
    <>
      <TextField
        field="password"
        label={p.label ?? t("fields.password")}
        value={p.password}
        onValue={p.onPassword}
        error={p.errors.password}
        type="password"
        autocomplete="new-password"
        dir="ltr"
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
        error={p.errors.passwordConfirmation}
        type="password"
        autocomplete="new-password"
        dir="ltr"
      />
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
