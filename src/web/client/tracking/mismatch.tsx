// Issue 21: after an identity mismatch, the holder of the request's mobile sees which fields differed
// from the civil registry (a code to that mobile first) and registers again with the rest filled in:
// the fields that differed are left empty, to be typed as the national card and certificate say.
import { useState } from "preact/hooks";
import { type ApiProblem, api } from "../api.ts";
import { CodeStep, useCodeStep, useWait } from "../code-step.tsx";
import type { Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { saveDraft } from "../registration/draft.ts";
import { NO_PROOF } from "../registration/mobile.tsx";
import { EMPTY, type Values } from "../registration/types.ts";
import { navigate } from "../router.tsx";

type Typed = "firstName" | "lastName" | "gender" | "birthCertificateNumber" | "birthDate" | "email";
type Seen = { fields: string[]; filled: Partial<Pick<Values, Typed>> };

export function MismatchLook({ nationalId, mobile }: { nationalId: string; mobile: string }) {
  const { t } = useI18n();
  const [sent, setSent] = useState(false);
  const codeStep = useCodeStep();
  const { code, setCode } = codeStep;
  const [seen, setSeen] = useState<Seen | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const wait = useWait();

  const failed = (p: ApiProblem) => {
    wait.caught(p);
    setErrors({ code: codeStep.wrong(p, "recover.attemptsLeft", "") ?? (p.title || t("networkError")) });
  };
  const send = async () => {
    setBusy(true);
    const r = await api("POST", "/api/registrations/mismatch", { nationalId, mobile });
    setBusy(false);
    if (!r.ok) return failed(r.problem);
    setErrors({});
    setCode("");
    setSent(true);
  };
  const show = async (e: Event) => {
    e.preventDefault();
    if (code.trim() === "") return setErrors({ code: t("recover.codeRequired") });
    setBusy(true);
    const r = await api<Seen>("POST", "/api/registrations/mismatch/verify", { nationalId, mobile, code });
    setBusy(false);
    if (!r.ok) return failed(r.problem);
    setErrors({});
    setSeen(r.data);
  };
  const registerAgain = () => {
    if (!seen) return;
    const values: Values = { ...EMPTY, ...seen.filled, nationalId, mobile };
    for (const field of seen.fields)
      if (field in values && field !== "nationalId") values[field as Typed] = "";
    saveDraft({ values, proof: NO_PROOF, returning: false, secretSteps: [] });
    navigate("/register/1");
  };

  if (seen)
    return (
      <div class="mismatch" id="mismatch-fields">
        <h3 class="mismatch__title">{t("track.mismatch.fieldsTitle")}</h3>
        <ul>
          {seen.fields.map((f) => (
            <li key={f}>{t(`fields.${f}`)}</li>
          ))}
        </ul>
        <p>{t("track.mismatch.note")}</p>
        <button type="button" class="button" onClick={registerAgain}>
          {t("track.mismatch.again")}
        </button>
      </div>
    );
  return (
    <div class="mismatch" id="mismatch-look">
      <p>{t("track.mismatch.offer")}</p>
      {sent && (
        <form noValidate onSubmit={show}>
          <CodeStep
            state={codeStep}
            sent={t("track.mismatch.sent")}
            label={t("track.mismatch.codeLabel")}
            error={errors.code}
            webOtp
          />
          <button type="submit" class="button" disabled={busy || wait.left > 0}>
            {t("track.mismatch.show")}
          </button>
        </form>
      )}
      {!sent && errors.code && <p class="error-message">{errors.code}</p>}
      <button type="button" class="button button--secondary" disabled={busy || wait.left > 0} onClick={send}>
        {t(sent ? "track.mismatch.resend" : "track.mismatch.send")}
      </button>
      {wait.notice}
    </div>
  );
}
