// R-TRK: the state of the latest registration request for a national ID + mobile pair, and what
// the person should do next: the one status that applies, its text once, and its links.
import { useState } from "preact/hooks";
import { parseMobile } from "../../../domain/mobile.ts";
import { parseNationalId } from "../../../domain/national-id.ts";
import { api } from "../api.ts";
import { SubmitButton, useWait } from "../code-step.tsx";
import { ErrorSummary, type Errors, NationalIdField, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { Link, PageHeading } from "../router.tsx";
import { MismatchLook } from "./mismatch.tsx";

/** The answer, with the pair it was asked for (the mismatch look goes to that mobile). */
type Tracking = { status: string; message: string; pair?: { nationalId: string; mobile: string } };

const NEXT_LINKS: Record<string, [string, string][]> = {
  pending: [["/track", "track.again"]],
  active: [
    ["/login", "nav.login"],
    ["/recover", "nav.recover"],
  ],
  awaiting_branch_activation: [],
  identity_mismatch: [["/register", "nav.register"]],
  expired: [["/register", "nav.register"]],
  not_found: [["/register", "nav.register"]],
};

export function TrackPage() {
  const { t } = useI18n();
  const [nationalId, setNationalId] = useState("");
  const [mobile, setMobile] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [result, setResult] = useState<Tracking | null>(null);
  const [busy, setBusy] = useState(false);
  const wait = useWait();

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: Errors = {};
    const id = parseNationalId(nationalId);
    if (!id.ok) found.nationalId = t(`errors.${id.code}`);
    const m = parseMobile(mobile);
    if (!m.ok) found.mobile = t(`errors.${m.code}`);
    setErrors(found);
    setResult(null);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    const r = await api<Tracking>("POST", "/api/registrations/tracking", { nationalId, mobile });
    setBusy(false);
    if (r.ok) setResult({ ...r.data, pair: { nationalId, mobile } });
    else {
      wait.caught(r.problem);
      setErrors({ form: r.problem.title || t("networkError") });
    }
  };

  return (
    <div class="narrow">
      <PageHeading title={t("track.title")}>{t("track.title")}</PageHeading>
      <p>{t("track.intro")}</p>
      <ErrorSummary errors={errors} order={["nationalId", "mobile", "form"]} />
      <form noValidate onSubmit={submit}>
        <NationalIdField value={nationalId} onValue={setNationalId} error={errors.nationalId} />
        <TextField
          field="mobile"
          label={t("fields.mobile")}
          value={mobile}
          onValue={setMobile}
          error={errors.mobile}
          type="tel"
          hint={t("mobileHint")}
          width="short"
          dir="ltr"
        />
        <SubmitButton label={t("track.submit")} busy={busy} wait={wait} />
      </form>
      <div aria-live="polite" role="status">
        {result && (
          <section
            class={`panel panel--${result.status}`}
            aria-labelledby="track-result-title"
            id="track-result"
          >
            <h2 id="track-result-title" class="panel__title">
              {t(`track.status.${result.status}`)}
            </h2>
            <p id="track-result-text">{result.message}</p>
            {(NEXT_LINKS[result.status] ?? []).length > 0 && (
              <ul class="link-list">
                {(NEXT_LINKS[result.status] ?? []).map(([href, key]) => (
                  <li key={href}>
                    <Link href={href}>{t(key)}</Link>
                  </li>
                ))}
              </ul>
            )}
            {result.status === "identity_mismatch" && result.pair && (
              <MismatchLook nationalId={result.pair.nationalId} mobile={result.pair.mobile} />
            )}
          </section>
        )}
      </div>
      {/* Help before a result, folded so that a phone shows the form first; a result says its own. */}
      {!result && (
        <details class="states-help" id="track-states">
          <summary>{t("track.statesTitle")}</summary>
          <dl class="states">
            {Object.keys(NEXT_LINKS).map((status) => (
              <div key={status} class="states__row">
                <dt>{t(`track.status.${status}`)}</dt>
                <dd>{t(`track.next.${status}`)}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}
