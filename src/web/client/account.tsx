// R-ACCT: the signed-in person's profile (contacts masked), password change, sessions, logout.
import { useEffect, useState } from "preact/hooks";
import { formatJalaliDateTime } from "../../domain/jalali-date.ts";
import { validatePasswordPair } from "../../domain/password-policy.ts";
import { api } from "./api.ts";
import { ErrorSummary, type Errors, PasswordChecklist, TextField } from "./form.tsx";
import { useI18n } from "./i18n.ts";
import { Link, navigate, PageHeading } from "./router.tsx";

type Me = {
  nationalId: string;
  firstName: string;
  lastName: string;
  gender: string;
  mobile: string;
  email: string;
  status: string;
  birthDate: string;
};
type Session = {
  id: string;
  createdAt?: string;
  lastSeenAt?: string;
  userAgent?: string | null;
  current?: boolean;
};

export function AccountPage() {
  const { t, num } = useI18n();
  const [me, setMe] = useState<Me | null | "signed-out">(null);
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const load = async () => {
    const r = await api<Me>("GET", "/api/me");
    setMe(r.ok ? r.data : "signed-out");
    const s = await api<Session[] | { sessions: Session[] }>("GET", "/api/sessions");
    setSessions(s.ok ? (Array.isArray(s.data) ? s.data : s.data.sessions) : null);
  };
  useEffect(() => {
    load();
  }, []);

  if (me === null) return <p aria-busy="true">{t("loading")}</p>;
  if (me === "signed-out")
    return (
      <div class="narrow">
        <PageHeading title={t("account.title")}>{t("account.title")}</PageHeading>
        <p>{t("account.signedOut")}</p>
        <Link href="/login" class="button">
          {t("nav.login")}
        </Link>
      </div>
    );
  const logout = async () => {
    await api("POST", "/api/logout");
    navigate("/login");
  };
  const rows: [string, string][] = [
    [t("fields.nationalId"), num(me.nationalId)],
    [t("account.name"), `${me.firstName} ${me.lastName}`],
    [t("fields.birthDate"), num(me.birthDate)],
    [t("fields.mobile"), num(me.mobile)],
    [t("fields.email"), me.email],
    [t("account.status"), t(`account.status.${me.status}`)],
  ];
  return (
    <>
      <PageHeading title={t("account.title")}>
        {t("account.welcome", { name: `${me.firstName} ${me.lastName}` })}
      </PageHeading>
      <div class="button-row">
        <button type="button" class="button button--secondary" onClick={logout}>
          {t("account.logout")}
        </button>
      </div>
      <section aria-labelledby="profile-title">
        <h2 id="profile-title">{t("account.profile")}</h2>
        <dl class="summary-list">
          {rows.map(([k, v]) => (
            <div class="summary-list__row" key={k}>
              <dt class="summary-list__key">{k}</dt>
              <dd class="summary-list__value">
                <bdi>{v}</bdi>
              </dd>
            </div>
          ))}
        </dl>
      </section>
      <ChangePassword />
      {sessions && <Sessions sessions={sessions} reload={load} />}
    </>
  );
}

function Sessions({ sessions, reload }: { sessions: Session[]; reload: () => void }) {
  const { t, locale } = useI18n();
  const when = (iso?: string) => (iso ? formatJalaliDateTime(new Date(iso), locale) : "—");
  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("account.sessions")}</h2>
      <ul class="session-list">
        {sessions.map((s) => (
          <li key={s.id} class="session">
            <p class="session__device" dir="auto">
              {s.userAgent || t("account.unknownDevice")}
              {s.current && <strong class="tag"> {t("account.thisSession")}</strong>}
            </p>
            <p class="hint">
              {t("account.signedInAt", { when: when(s.createdAt) })}
              {s.lastSeenAt ? ` · ${t("account.lastSeen", { when: when(s.lastSeenAt) })}` : ""}
            </p>
            {!s.current && (
              <button
                type="button"
                class="button button--warning"
                onClick={async () => {
                  await api("DELETE", `/api/sessions/${encodeURIComponent(s.id)}`);
                  reload();
                }}
              >
                {t("account.revoke")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ChangePassword() {
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [confirmation, setConfirmation] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone(false);
    const found: Errors = {};
    if (current === "") found.currentPassword = t("account.currentRequired");
    for (const err of validatePasswordPair(password, confirmation))
      found[err.field] ??= t(`errors.${err.code}`);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    const body = { currentPassword: current, password, passwordConfirmation: confirmation };
    const r = await api("POST", "/api/account/password", body);
    if (r.ok) {
      setDone(true);
      setCurrent("");
      setPassword("");
      setConfirmation("");
      return;
    }
    const out: Errors = {};
    for (const fe of r.problem.errors ?? [])
      out[fe.field in { currentPassword: 1, password: 1, passwordConfirmation: 1 } ? fe.field : "form"] ??=
        fe.message;
    if (Object.keys(out).length === 0) out.form = r.problem.title || t("networkError");
    setErrors(out);
  };
  return (
    <section aria-labelledby="password-title">
      <h2 id="password-title">{t("account.changePassword")}</h2>
      <ErrorSummary errors={errors} order={["currentPassword", "password", "passwordConfirmation", "form"]} />
      <div role="status">{done && <p class="panel panel--success">{t("account.passwordChanged")}</p>}</div>
      <form noValidate onSubmit={submit}>
        <TextField
          field="currentPassword"
          label={t("account.currentPassword")}
          value={current}
          onValue={setCurrent}
          error={errors.currentPassword}
          type="password"
          autocomplete="current-password"
          dir="ltr"
        />
        <TextField
          field="password"
          label={t("account.newPassword")}
          value={password}
          onValue={setPassword}
          error={errors.password}
          type="password"
          autocomplete="new-password"
          dir="ltr"
        />
        <PasswordChecklist password={password} />
        <TextField
          field="passwordConfirmation"
          label={t("fields.passwordConfirmation")}
          value={confirmation}
          onValue={setConfirmation}
          error={errors.passwordConfirmation}
          type="password"
          autocomplete="new-password"
          dir="ltr"
        />
        <button type="submit" class="button">
          {t("account.changePasswordSubmit")}
        </button>
      </form>
    </section>
  );
}
