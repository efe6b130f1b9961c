// The audit trail, searchable by national ID, staff username and Jalali date range (admins only).
import { useEffect, useState } from "preact/hooks";
import { formatJalaliDateTime, jalaliToGregorian, parseJalaliDate } from "../../../domain/jalali-date.ts";
import { parseNationalId } from "../../../domain/national-id.ts";
import { api } from "../api.ts";
import { ErrorSummary, type Errors, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";
import { Isolated } from "./common.tsx";

type Entry = {
  id: string;
  actor: string | null;
  role: string | null;
  branch: string | null;
  action: string;
  nationalId: string | null;
  at: string;
  ip: string | null;
  result: string;
};

/** Tehran midnight of a Jalali day, as an instant (+03:30 all year). */
const dayStart = (d: { jy: number; jm: number; jd: number }, plusDays = 0) =>
  new Date(jalaliToGregorian(d).getTime() + plusDays * 86_400_000 - 3.5 * 3_600_000).toISOString();

export function AuditPage() {
  const { t, num, locale } = useI18n();
  const [form, setForm] = useState({ nationalId: "", actor: "", from: "", to: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const set = (field: keyof typeof form) => (value: string) => setForm({ ...form, [field]: value });

  const search = async (e?: Event) => {
    e?.preventDefault();
    const found: Errors = {};
    const params = new URLSearchParams();
    if (form.nationalId.trim()) {
      const id = parseNationalId(form.nationalId);
      if (id.ok) params.set("nationalId", id.value);
      else found.nationalId = t(`errors.${id.code}`);
    }
    if (form.actor.trim()) params.set("actor", form.actor.trim());
    for (const [field, plus] of [
      ["from", 0],
      ["to", 1],
    ] as const) {
      if (!form[field].trim()) continue;
      const d = parseJalaliDate(form[field], new Date(Date.now() + 86_400_000));
      if (d.ok) params.set(field, dayStart(d.value, plus));
      else found[field] = t("errors.staff.date.format");
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const r = await api<Entry[]>("GET", `/api/staff/audit?${params}`);
    if (r.ok) setEntries(r.data);
    else setErrors({ form: r.problem.title || t("networkError") });
  };
  useEffect(() => {
    search();
  }, []);

  return (
    <>
      <PageHeading title={t("staff.audit.title")}>{t("staff.audit.title")}</PageHeading>
      <ErrorSummary errors={errors} order={["nationalId", "actor", "from", "to", "form"]} />
      <form noValidate onSubmit={search}>
        <TextField
          field="nationalId"
          label={t("fields.nationalId")}
          value={form.nationalId}
          onValue={set("nationalId")}
          error={errors.nationalId}
          numeric
          required={false}
          width="short"
          dir="ltr"
        />
        <TextField
          field="actor"
          label={t("staff.audit.actor")}
          value={form.actor}
          onValue={set("actor")}
          error={errors.actor}
          required={false}
          width="short"
          dir="ltr"
        />
        <TextField
          field="from"
          label={t("staff.audit.from")}
          hint={t("staff.audit.dateHint")}
          value={form.from}
          onValue={set("from")}
          error={errors.from}
          required={false}
          width="short"
          dir="ltr"
        />
        <TextField
          field="to"
          label={t("staff.audit.to")}
          value={form.to}
          onValue={set("to")}
          error={errors.to}
          required={false}
          width="short"
          dir="ltr"
        />
        <button type="submit" class="button">
          {t("staff.audit.submit")}
        </button>
      </form>
      {entries && (
        <section aria-labelledby="audit-results">
          <h2 id="audit-results">{t("staff.audit.results", { n: num(entries.length) })}</h2>
          {entries.length === 0 && <p>{t("staff.audit.empty")}</p>}
          <ul class="session-list" id="audit-list">
            {entries.map((a) => (
              <li key={a.id} class="session">
                <p class="session__device">
                  {t(`staff.action.${a.action}`)}{" "}
                  {a.result !== "ok" && <strong class="tag">{t(`staff.result.${a.result}`)}</strong>}
                </p>
                <p class="hint">
                  {formatJalaliDateTime(new Date(a.at), locale)}
                  {" · "}
                  <bdi dir="ltr">{a.actor ?? t("staff.audit.system")}</bdi>
                  {a.branch && (
                    <>
                      {" · "}
                      <Isolated k="staff.branchLabel" params={{ branch: a.branch }} />
                    </>
                  )}
                  {a.nationalId && (
                    <>
                      {` · ${t("fields.nationalId")}: `}
                      <bdi>{num(a.nationalId)}</bdi>
                    </>
                  )}
                  {a.ip && (
                    <>
                      {" · IP "}
                      <bdi dir="ltr">{a.ip}</bdi>
                    </>
                  )}
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
