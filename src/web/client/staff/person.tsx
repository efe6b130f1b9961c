// Find a person by national ID: their registration requests (outcome, Jalali dates, the names of
// mismatched fields), account state with masked contacts, and what waits for the branch.
import { useEffect, useRef, useState } from "preact/hooks";
import { parseNationalId } from "../../../domain/national-id.ts";
import { api } from "../api.ts";
import { ErrorSummary, type Errors, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";
import { ActivationPanel, MobileChangePanel } from "./activation.tsx";
import type { Person, StaffMe } from "./common.tsx";

export function FindPersonPage({ me }: { me: StaffMe }) {
  const { t } = useI18n();
  const [nationalId, setNationalId] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [person, setPerson] = useState<Person | null>(null);
  const [notice, setNotice] = useState("");
  const noticeRef = useRef<HTMLParagraphElement>(null);
  // The form that was used is gone after an activation: the focus goes to what happened.
  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  const load = async (id: string) => {
    const r = await api<Person>("GET", `/api/staff/people/${encodeURIComponent(id)}`);
    if (r.ok) return setPerson(r.data);
    setPerson(null);
    setErrors({ form: r.problem.title || t("networkError") });
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = parseNationalId(nationalId);
    if (!parsed.ok) return setErrors({ nationalId: t(`errors.${parsed.code}`) });
    setErrors({});
    setNotice("");
    await load(parsed.value);
  };

  return (
    <>
      <PageHeading title={t("staff.find.title")}>{t("staff.find.title")}</PageHeading>
      <ErrorSummary errors={errors} order={["nationalId", "form"]} />
      <form noValidate onSubmit={submit}>
        <TextField
          field="nationalId"
          label={t("fields.nationalId")}
          value={nationalId}
          onValue={setNationalId}
          error={errors.nationalId}
          numeric
          width="short"
          dir="ltr"
        />
        <button type="submit" class="button">
          {t("staff.find.submit")}
        </button>
      </form>
      <div role="status">
        {notice && (
          <p class="panel panel--success" id="activation-done" tabIndex={-1} ref={noticeRef}>
            {notice}
          </p>
        )}
      </div>
      {person && (
        <PersonView person={person} me={me} reload={() => load(person.nationalId)} onDone={setNotice} />
      )}
    </>
  );
}

function PersonView(p: { person: Person; me: StaffMe; reload: () => void; onDone: (m: string) => void }) {
  const { person, me, reload } = p;
  const { t, num } = useI18n();
  const a = person.account;
  if (!a && person.requests.length === 0)
    return (
      <p class="panel panel--not_found" id="person-result">
        {t("staff.find.none")}
      </p>
    );
  return (
    <div id="person-result">
      <section aria-labelledby="account-title">
        <h2 id="account-title">{t("staff.person.account")}</h2>
        {a ? (
          <dl class="summary-list">
            {(
              [
                [t("account.name"), a.name],
                [t("account.status"), t(`account.status.${a.status}`)],
                [t("fields.mobile"), num(a.mobile)],
                [t("fields.email"), a.email],
                [t("staff.person.createdOn"), num(a.createdOn)],
                [t("staff.person.activatedOn"), a.activatedOn ? num(a.activatedOn) : "—"],
              ] as const
            ).map(([k, v]) => (
              <div class="summary-list__row" key={k}>
                <dt class="summary-list__key">{k}</dt>
                <dd class="summary-list__value">
                  <bdi>{v}</bdi>
                </dd>
              </div>
            ))}
          </dl>
        ) : (
          <p>{t("staff.person.noAccount")}</p>
        )}
      </section>
      {a?.status === "awaiting_branch_activation" && (
        <ActivationPanel person={person} me={me} reload={reload} onDone={p.onDone} />
      )}
      {person.pendingMobileChanges.map((c) => (
        <MobileChangePanel key={c.id} nationalId={person.nationalId} change={c} reload={reload} />
      ))}
      <section aria-labelledby="requests-title">
        <h2 id="requests-title">{t("staff.person.requests")}</h2>
        {person.requests.length > 1 && <p class="notice">{t("staff.person.checkRequests")}</p>}
        <ul class="session-list">
          {person.requests.map((r) => (
            <li key={r.id} class={`session panel--${r.status}`}>
              <p class="session__device">
                {t(`track.status.${r.status}`)}
                {r.accountCameFromIt && <span class="tag">{t("staff.person.accountCameFromIt")}</span>}
              </p>
              <p class="hint">
                {t("staff.person.submittedOn", { date: num(r.submittedOn) })}
                {r.decidedOn && ` · ${t("staff.person.decidedOn", { date: num(r.decidedOn) })}`}
                {` · ${t("fields.mobile")}: `}
                <bdi>{num(r.mobile)}</bdi>
              </p>
              {r.mismatchFields.length > 0 && (
                <p>
                  {t("staff.person.mismatch")}{" "}
                  <strong>{r.mismatchFields.map((f) => t(`fields.${f}`)).join("، ")}</strong>
                  <span class="hint"> — {t("staff.person.mismatchHint")}</span>
                </p>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
