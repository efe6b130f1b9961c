// The sign-in's first step, the citizen's and the staff member's alike: who (the national ID or the
// username, the page's own field), the password, and the button that a 429's wait keeps disabled.
import type { ComponentChildren } from "preact";
import { SubmitButton } from "../code-step.tsx";
import { TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";

export function CredentialsForm(p: {
  who: ComponentChildren;
  password: string;
  onPassword: (value: string) => void;
  error: string | undefined;
  submit: string;
  busy: boolean;
  wait: { left: number; notice: ComponentChildren };
  onSubmit: (e: Event) => void;
}) {
  const { t } = useI18n();
  return (
    <form noValidate onSubmit={p.onSubmit}>
      {p.who}
      <TextField
        field="password"
        label={t("fields.password")}
        value={p.password}
        onValue={p.onPassword}
        error={p.error}
        type="password"
        autocomplete="current-password"
        width="short"
        dir="ltr"
      />
      <SubmitButton label={p.submit} busy={p.busy} wait={p.wait} />
    </form>
  );
}
