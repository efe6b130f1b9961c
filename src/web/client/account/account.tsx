// R-ACCT: the signed-in person's profile (contacts masked), links to each change (account-*.tsx),
// sessions, security events, logout.
import { useEffect, useState } from "preact/hooks";
import { type Device, deviceName } from "../../../domain/device.ts";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { api } from "../api.ts";
import { useI18n } from "../i18n.ts";
import { toLoginSignedOut } from "../login/login.tsx";
import { Link, navigate, PageHeading } from "../router.tsx";
import { AccountChanges } from "./common.tsx";
import { EservicesSection } from "./eservices.tsx";
import { EmailConfirmation, QuestionsFirst } from "./first.tsx";
import { RememberedBrowsersSection, SessionsSection } from "./sessions.tsx";

type Me = {
  nationalId: string;
  firstName: string;
  lastName: string;
  gender: string;
  mobile: string;
  email: string | null;
  emailConfirmed: boolean;
  securityQuestionsSet: boolean;
  status: string;
  birthDate: string;
};

export function AccountPage() {
  const { t, num } = useI18n();
  const [me, setMe] = useState<Me | null | "signed-out">(null);
  const load = async () => {
    const r = await api<Me>("GET", "/api/me");
    // Password given, second factor due: the login page holds that step.
    if (!r.ok && r.problem.code === "login.secondFactorRequired")
      return navigate("/login", { replace: true });
    setMe(r.ok ? r.data : "signed-out");
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
    // The login page says «شما از سامانه خارج شدید» above its form (a passkey may sign in again there).
    toLoginSignedOut();
  };
  const rows: [string, string][] = [
    [t("fields.nationalId"), num(me.nationalId)],
    [t("account.name"), `${me.firstName} ${me.lastName}`],
    [t("fields.birthDate"), num(me.birthDate)],
    [t("fields.mobile"), num(me.mobile)],
    [t("fields.email"), me.email ?? "—"],
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
      {!me.securityQuestionsSet && <QuestionsFirst />}
      {me.securityQuestionsSet && me.email && !me.emailConfirmed && <EmailConfirmation reload={load} />}
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
      <AccountChanges />
      <SessionsSection />
      <RememberedBrowsersSection />
      <EservicesSection />
      <SecurityEvents />
    </>
  );
}

type SecurityEvent = {
  id: string;
  type: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
  device: Device | null;
  count: number | null;
  byStaff: boolean;
  branch: string | null;
};

/**
 * «شعبه X» for what staff did (the branch, never the operator's address); otherwise the device,
 * «کروم در اندروید», and the address, when the event has them.
 */
function where(e: SecurityEvent, t: (key: string, params?: Record<string, string | number>) => string) {
  if (!e.byStaff) {
    const device = e.device || e.userAgent ? ` · ${deviceName(e.device, t)}` : "";
    return (
      <>
        {device}
        {e.ip && (
          <>
            {" · "}
            {t("account.ip")} <bdi dir="ltr">{e.ip}</bdi>
          </>
        )}
      </>
    );
  }
  if (!e.branch) return ` · ${t("account.event.headOffice")}`;
  return ` · ${e.branch.startsWith("شعبه") ? e.branch : t("account.event.atBranch", { name: e.branch })}`;
}

/**
 * The holder's own security record: sign-ins, failed ones summarised an hour at a time, ended
 * sessions, changes, recoveries, branch actions, locks.
 */
function SecurityEvents() {
  const { t, locale } = useI18n();
  const [events, setEvents] = useState<SecurityEvent[] | null>(null);
  useEffect(() => {
    api<SecurityEvent[]>("GET", "/api/account/security-events").then((r) => setEvents(r.ok ? r.data : null));
  }, []);
  if (!events) return null;
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">{t("account.securityEvents")}</h2>
      {events.length === 0 && <p>{t("account.noSecurityEvents")}</p>}
      <ul class="session-list" id="security-events">
        {events.map((e) => (
          <li key={e.id} class="session">
            <p class="session__device">{t(`account.event.${e.type}`, { count: e.count ?? 0 })}</p>
            <p class="hint">
              {formatJalaliDateTime(new Date(e.at), locale)}
              {where(e, t)}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}
