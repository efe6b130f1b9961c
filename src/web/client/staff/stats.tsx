// The admin's overview: registrations per status per day, the verification and SMS queues, failed
// jobs and SMS that failed or needed retries; and locking or unlocking a citizen's account.
import { useEffect, useState } from "preact/hooks";
import { parseNationalId } from "../../../domain/national-id.ts";
import { api } from "../api.ts";
import { ErrorSummary, type Errors, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";

type Stats = {
  registrationsPerDay: { day: string; status: string; count: number }[];
  queues: { verification: number; sms: number };
  failedJobs: { name: string; count: number }[];
  smsFailures: {
    id: string;
    to: string;
    template: string;
    status: string;
    attempts: number;
    lastError: string | null;
    createdOn: string;
  }[];
};

export function StatsPage() {
  const { t, num } = useI18n();
  const [stats, setStats] = useState<Stats | null>(null);
  useEffect(() => {
    api<Stats>("GET", "/api/staff/admin/stats").then((r) => r.ok && setStats(r.data));
  }, []);
  const rows = (list: [string, string][]) => (
    <dl class="summary-list">
      {list.map(([k, v]) => (
        <div class="summary-list__row" key={k}>
          <dt class="summary-list__key">{k}</dt>
          <dd class="summary-list__value">
            <bdi>{v}</bdi>
          </dd>
        </div>
      ))}
    </dl>
  );
  return (
    <>
      <PageHeading title={t("staff.stats.title")}>{t("staff.stats.title")}</PageHeading>
      {!stats ? (
        <p aria-busy="true">{t("loading")}</p>
      ) : (
        <>
          <h2>{t("staff.stats.queues")}</h2>
          {rows([
            [t("staff.stats.verifyQueue"), num(stats.queues.verification)],
            [t("staff.stats.smsQueue"), num(stats.queues.sms)],
            ...stats.failedJobs.map((f): [string, string] => [
              t("staff.stats.failedJobs", { queue: f.name }),
              num(f.count),
            ]),
          ])}
          <h2>{t("staff.stats.perDay")}</h2>
          {stats.registrationsPerDay.length === 0 ? (
            <p>{t("staff.stats.none")}</p>
          ) : (
            rows(
              stats.registrationsPerDay.map((r) => [
                `${num(r.day)} — ${t(`track.status.${r.status}`)}`,
                num(r.count),
              ]),
            )
          )}
          <h2>{t("staff.stats.smsFailures")}</h2>
          {stats.smsFailures.length === 0 ? (
            <p>{t("staff.stats.none")}</p>
          ) : (
            rows(
              stats.smsFailures.map((m) => [
                `${num(m.createdOn)} — ${num(m.to)}`,
                t("staff.stats.smsFailure", {
                  status: m.status,
                  attempts: num(m.attempts),
                  error: m.lastError ?? "—",
                }),
              ]),
            )
          )}
        </>
      )}
      <CitizenLock />
    </>
  );
}

function CitizenLock() {
  const { t } = useI18n();
  const [nationalId, setNationalId] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState<string | null>(null);
  const send = (action: "lock" | "unlock") => async () => {
    setDone(null);
    const found: Errors = {};
    const id = parseNationalId(nationalId);
    if (!id.ok) found.nationalId = t(`errors.${id.code}`);
    if (reason.trim().length < 3) found.reason = t("errors.staff.reason.required");
    setErrors(found);
    if (!id.ok || Object.keys(found).length > 0) return;
    const r = await api<{ status: string }>("POST", `/api/staff/admin/citizens/${id.value}/${action}`, {
      reason,
    });
    if (r.ok) return setDone(t("staff.citizen.done", { status: t(`account.status.${r.data.status}`) }));
    const out: Errors = {};
    for (const e of r.problem.errors ?? []) out[e.field] ??= e.message;
    if (Object.keys(out).length === 0) out.form = r.problem.title || t("networkError");
    setErrors(out);
  };
  return (
    <section aria-labelledby="citizen-lock-title">
      <h2 id="citizen-lock-title">{t("staff.citizen.title")}</h2>
      <ErrorSummary errors={errors} order={["nationalId", "reason", "form"]} />
      <div role="status">{done && <p class="panel panel--success">{done}</p>}</div>
      <form noValidate onSubmit={(e) => e.preventDefault()}>
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
        <TextField
          field="reason"
          label={t("staff.citizen.reason")}
          value={reason}
          onValue={setReason}
          error={errors.reason}
          width="full"
        />
        <div class="button-row">
          <button type="button" class="button button--warning" onClick={send("lock")}>
            {t("staff.citizen.lock")}
          </button>
          <button type="button" class="button button--secondary" onClick={send("unlock")}>
            {t("staff.citizen.unlock")}
          </button>
        </div>
      </form>
    </section>
  );
}
