// R-SSO on the account page: the e-services the holder signed in to (GET /api/account/eservices),
// what each may learn, and «قطع دسترسی» after a question (DELETE /api/account/eservices/{clientId}:
// consent and tokens go, and the e-service gets a back-channel logout).
import { useEffect, useState } from "preact/hooks";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { api } from "../api.ts";
import { ConfirmRemoval } from "../factors/parts.tsx";
import { Announcer } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { useProblemErrors } from "./common.tsx";

type Eservice = { clientId: string; name: string; scopes: string[]; grantedAt: string; lastUsedAt: string };

export function EservicesSection() {
  const { t, locale } = useI18n();
  const problemErrors = useProblemErrors();
  const [list, setList] = useState<Eservice[] | null>(null);
  const [message, setMessage] = useState("");
  const [revoking, setRevoking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    const r = await api<Eservice[]>("GET", "/api/account/eservices");
    if (r.ok) setList(r.data);
    else problemErrors(r.problem, []);
  };
  useEffect(() => {
    load();
  }, []);
  if (!list) return null;
  const revoke = async (e: Eservice) => {
    setBusy(true);
    const r = await api("DELETE", `/api/account/eservices/${encodeURIComponent(e.clientId)}`);
    setBusy(false);
    setRevoking(null);
    if (r.ok || r.problem.status === 404) setMessage(t("account.eserviceRevoked", { service: e.name }));
    else problemErrors(r.problem, []);
    await load();
  };
  const shown = (scopes: string[]) =>
    scopes.filter((s) => s !== "openid" && s !== "offline_access").map((s) => t(`sso.scope.${s}`));
  return (
    <section aria-labelledby="eservices-title" id="eservices">
      <h2 id="eservices-title">{t("account.eservices")}</h2>
      <p>{t("account.eservicesIntro")}</p>
      <Announcer message={message} />
      {message && <p class="notice">{message}</p>}
      {list.length === 0 && <p>{t("account.noEservices")}</p>}
      <ul class="session-list">
        {list.map((e) => (
          <li key={e.clientId} class="session">
            <p class="session__device" id={`eservice-${e.clientId}`}>
              {e.name}
            </p>
            <p class="hint">
              {[t("sso.scope.sub"), ...shown(e.scopes)].join("، ")}
              {" · "}
              {t("account.eserviceLastUsed", { when: formatJalaliDateTime(new Date(e.lastUsedAt), locale) })}
            </p>
            {revoking === e.clientId ? (
              <ConfirmRemoval
                id={`eservice-revoke-${e.clientId}`}
                question={t("account.eserviceRevokeConfirm", { service: e.name })}
                yes={t("account.eserviceRevokeYes")}
                busy={busy}
                onConfirm={() => revoke(e)}
                onCancel={() => setRevoking(null)}
              />
            ) : (
              <button
                type="button"
                class="button button--warning"
                aria-describedby={`eservice-${e.clientId}`}
                onClick={() => setRevoking(e.clientId)}
              >
                {t("account.eserviceRevoke")}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
