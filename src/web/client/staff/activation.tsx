// Branch activation on the spot: both originals ticked, an optional corrected mobile proved by the
// code sent to it, and with four eyes a second operator's approval. Also a mobile change waiting for
// the branch.
import { useState } from "preact/hooks";
import { parseMobile } from "../../../domain/mobile.ts";
import { api } from "../api.ts";
import { ErrorMessage, ErrorSummary, type Errors, fieldId, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { Isolated, oneMessageEach, type Person, type StaffMe, toErrors } from "./common.tsx";

type Result = { activationId: string; status: "activated" | "pending_code" | "pending_approval" };
function Documents(p: {
  card: boolean;
  cert: boolean;
  setCard: (v: boolean) => void;
  setCert: (v: boolean) => void;
  errors: Errors;
}) {
  const { t } = useI18n();
  const error = p.errors.nationalCardSeen ?? p.errors.birthCertificateSeen;
  const id = fieldId("nationalCardSeen");
  return (
    <fieldset
      class={`form-group fieldset${error ? " form-group--error" : ""}`}
      aria-describedby={error ? `${id}-error` : undefined}
    >
      <legend class="label">
        {t("staff.activate.documents")}
        <span aria-hidden="true"> *</span>
      </legend>
      <ErrorMessage id={`${id}-error`} message={error} />
      <div class="radios">
        {(
          [
            ["nationalCardSeen", p.card, p.setCard, "staff.activate.nationalCard"],
            ["birthCertificateSeen", p.cert, p.setCert, "staff.activate.birthCertificate"],
          ] as const
        ).map(([field, value, set, label]) => (
          <div class="radio" key={field}>
            <input
              id={fieldId(field)}
              type="checkbox"
              checked={value}
              onChange={(e) => set(e.currentTarget.checked)}
            />
            <label for={fieldId(field)}>{t(label)}</label>
          </div>
        ))}
      </div>
    </fieldset>
  );
}

export function ActivationPanel({
  person,
  me,
  reload,
  onDone,
}: {
  person: Person;
  me: StaffMe;
  reload: () => void;
  /** The confirmation, shown by the page: the panel itself goes once the account is active. */
  onDone: (message: string) => void;
}) {
  const { t, num } = useI18n();
  const [card, setCard] = useState(false);
  const [cert, setCert] = useState(false);
  const [mobile, setMobile] = useState("");
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const pending = person.pendingActivation;
  const finish = (r: Result) => {
    setErrors({});
    setCode("");
    // A code sent is said by the code form itself; the other outcomes by the page.
    onDone(r.status === "pending_code" ? "" : t(`staff.activate.result.${r.status}`));
    reload();
  };

  const start = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (!card) found.nationalCardSeen = t("errors.branch.documents.required");
    if (!cert) found.birthCertificateSeen = t("errors.branch.documents.required");
    const parsed = mobile.trim() ? parseMobile(mobile) : null;
    if (parsed && !parsed.ok) found.mobile = t(`errors.${parsed.code}`);
    setErrors(oneMessageEach(found));
    if (Object.keys(found).length > 0) return;
    const body = {
      nationalCardSeen: card,
      birthCertificateSeen: cert,
      ...(parsed?.ok ? { mobile: parsed.value } : {}),
    };
    const r = await api<Result>("POST", `/api/staff/people/${person.nationalId}/activation`, body);
    if (r.ok) return finish(r.data);
    setErrors(toErrors(r.problem, t("networkError")));
  };
  const verify = async (e: Event) => {
    e.preventDefault();
    if (!pending || code.trim() === "") return setErrors({ code: t("errors.code.required") });
    const r = await api<Result>("POST", `/api/staff/activations/${pending.id}/verify`, { code });
    if (r.ok) return finish(r.data);
    // A wrong code belongs to the code field, with the tries the server counted as left.
    const left = Number(r.problem.body.attemptsLeft);
    if (r.problem.code === "account.wrongCode" && Number.isFinite(left))
      return setErrors({ code: `${r.problem.title} ${t("account.attemptsLeft", { n: num(left) })}` });
    setErrors(toErrors(r.problem, t("networkError")));
  };
  const approve = async () => {
    if (!pending) return;
    const r = await api<Result>("POST", `/api/staff/activations/${pending.id}/approve`);
    if (r.ok) return finish(r.data);
    setErrors(toErrors(r.problem, t("networkError")));
  };

  return (
    <section aria-labelledby="activate-title" class="panel panel--awaiting_branch_activation">
      <h2 id="activate-title" class="panel__title">
        {t("staff.activate.title")}
      </h2>
      <ErrorSummary
        errors={errors}
        order={["nationalCardSeen", "birthCertificateSeen", "mobile", "code", "form"]}
      />
      {pending?.status === "pending_code" && (
        <form noValidate onSubmit={verify}>
          <p>
            <Isolated k="staff.activate.codeSent" params={{ mobile: num(pending.mobile ?? "") }} />
          </p>
          <TextField
            field="code"
            label={t("staff.activate.code")}
            value={code}
            onValue={setCode}
            error={errors.code}
            numeric
            autocomplete="off"
            width="short"
            dir="ltr"
          />
          <button type="submit" class="button">
            {t("staff.activate.codeSubmit")}
          </button>
        </form>
      )}
      {pending?.status === "pending_approval" && (
        <>
          <p>
            <Isolated
              k="staff.activate.pendingBy"
              params={{ user: pending.requestedBy, branch: pending.branch }}
            />
          </p>
          {pending.requestedBy === me.username ? (
            <p class="hint">{t("staff.activate.waitSecond")}</p>
          ) : (
            <button type="button" class="button" onClick={approve}>
              {t("staff.activate.approve")}
            </button>
          )}
        </>
      )}
      {!pending && (
        <form noValidate onSubmit={start}>
          <p>{t(me.fourEyes ? "staff.activate.introFourEyes" : "staff.activate.intro")}</p>
          <Documents card={card} cert={cert} setCard={setCard} setCert={setCert} errors={errors} />
          <TextField
            field="mobile"
            label={t("staff.activate.mobile")}
            hint={t("staff.activate.mobileHint")}
            value={mobile}
            onValue={setMobile}
            error={errors.mobile}
            type="tel"
            numeric
            required={false}
            width="short"
            dir="ltr"
          />
          <button type="submit" class="button">
            {t("staff.activate.submit")}
          </button>
        </form>
      )}
    </section>
  );
}

export function MobileChangePanel(p: {
  nationalId: string;
  change: { id: string; mobile: string; requestedOn: string };
  reload: () => void;
}) {
  const { t, num } = useI18n();
  const [card, setCard] = useState(false);
  const [cert, setCert] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    if (!card) found.nationalCardSeen = t("errors.branch.documents.required");
    if (!cert) found.birthCertificateSeen = t("errors.branch.documents.required");
    setErrors(oneMessageEach(found));
    if (Object.keys(found).length > 0) return;
    const url = `/api/staff/people/${p.nationalId}/mobile-changes/${p.change.id}/approve`;
    const r = await api("POST", url, { nationalCardSeen: card, birthCertificateSeen: cert });
    if (r.ok) return p.reload();
    setErrors(toErrors(r.problem, t("networkError")));
  };
  return (
    <section aria-labelledby={`change-${p.change.id}`} class="panel panel--pending">
      <h2 id={`change-${p.change.id}`} class="panel__title">
        {t("staff.change.title")}
      </h2>
      <p>
        <Isolated
          k="staff.change.text"
          params={{ mobile: num(p.change.mobile), date: num(p.change.requestedOn) }}
        />
      </p>
      <ErrorSummary errors={errors} order={["nationalCardSeen", "birthCertificateSeen", "form"]} />
      <form noValidate onSubmit={submit}>
        <Documents card={card} cert={cert} setCard={setCard} setCert={setCert} errors={errors} />
        <button type="submit" class="button">
          {t("staff.change.approve")}
        </button>
      </form>
    </section>
  );
}
