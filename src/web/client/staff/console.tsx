// The branch console (/staff): staff sign in with password and TOTP (or a passkey); operators find and activate
// people, admins manage staff and branches, read the audit trail and watch the figures.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useI18n } from "../i18n.ts";
import { Link, navigate, PageHeading } from "../router.tsx";
import { StaffAdminPage } from "./admin.tsx";
import { AuditPage } from "./audit.tsx";
import { Isolated, type StaffMe } from "./common.tsx";
import { EservicesAdminPage } from "./eservices.tsx";
import { StaffLogin } from "./login.tsx";
import { StaffPasskeysPage } from "./passkeys.tsx";
import { StaffPasswordPage } from "./password.tsx";
import { FindPersonPage } from "./person.tsx";
import { StatsPage } from "./stats.tsx";

const ADMIN_PAGES = [
  ["/staff", "staff.nav.stats"],
  ["/staff/admin", "staff.nav.admin"],
  ["/staff/audit", "staff.nav.audit"],
  ["/staff/eservices", "staff.nav.eservices"],
  ["/staff/passkeys", "staff.nav.passkeys"],
] as const;
const OPERATOR_PAGES = [
  ["/staff", "staff.nav.find"],
  ["/staff/passkeys", "staff.nav.passkeys"],
] as const;

export function StaffConsole({ path }: { path: string }) {
  const { t } = useI18n();
  const [me, setMe] = useState<StaffMe | null | "signed-out">(null);
  const load = async () => {
    const r = await api<StaffMe>("GET", "/api/staff/me");
    setMe(r.ok ? r.data : "signed-out");
  };
  useEffect(() => {
    load();
  }, []);
  if (me === null) return <p aria-busy="true">{t("loading")}</p>;
  if (me === "signed-out") return <StaffLogin onSignedIn={load} />;
  if (me.mustChangePassword) return <StaffPasswordPage onChanged={load} />;
  if (me.passkeyRequired) return <StaffPasskeysPage required onChanged={load} />;

  const logout = async () => {
    await api("POST", "/api/staff/logout");
    setMe("signed-out");
    navigate("/staff");
  };
  const pages = me.role === "admin" ? ADMIN_PAGES : OPERATOR_PAGES;
  return (
    <>
      <p class="hint" id="staff-signed-in">
        <Isolated k="staff.signedInAs" params={{ name: me.name, role: t(`staff.role.${me.role}`) }} />
        {me.branch && (
          <>
            {" · "}
            <bdi>{me.branch.name}</bdi>{" "}
            <span class="nowrap" id="staff-branch-code">
              (<bdi dir="ltr">{me.branch.code}</bdi>)
            </span>
          </>
        )}
      </p>
      <div class="button-row">
        <nav aria-label={t("staff.navLabel")}>
          <ul class="footer__links">
            {pages.map(([href, key], i) => (
              <li key={href}>
                <Link href={href} aria-current={path === href ? "page" : undefined}>
                  {t(key)}
                </Link>
                {i < pages.length - 1 && (
                  <span class="footer__sep" aria-hidden="true">
                    {" | "}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="button button--secondary" onClick={logout}>
          {t("staff.logout")}
        </button>
      </div>
      <StaffPage path={path} me={me} />
    </>
  );
}

function StaffPage({ path, me }: { path: string; me: StaffMe }) {
  const { t } = useI18n();
  if (me.role === "branch_operator" && path === "/staff") return <FindPersonPage me={me} />;
  if (me.role === "admin" && path === "/staff") return <StatsPage />;
  if (me.role === "admin" && path === "/staff/admin") return <StaffAdminPage me={me} />;
  if (me.role === "admin" && path === "/staff/audit") return <AuditPage />;
  if (me.role === "admin" && path === "/staff/eservices") return <EservicesAdminPage />;
  if (path === "/staff/passkeys") return <StaffPasskeysPage required={false} onChanged={() => undefined} />;
  return (
    <div class="narrow">
      <PageHeading title={t("notFound.title")}>{t("notFound.title")}</PageHeading>
      <p>{t("notFound.text")}</p>
      <Link href="/staff">{t("staff.title")}</Link>
    </div>
  );
}
