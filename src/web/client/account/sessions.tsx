// R-ACCT sessions: GET /api/sessions ([{id, current, createdAt, lastSeenAt, expiresAt, ip,
// userAgent}], the own live sessions) with this device marked, and DELETE /api/sessions/{id} (204;
// 404 when it already ended) to end another one.
import { useEffect, useState } from "preact/hooks";
import { type Device, deviceName } from "../../../domain/device.ts";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { api } from "../api.ts";
import { Announcer } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { useProblemErrors } from "./common.tsx";

export type Session = {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** «کروم در اندروید»: what the server read from the user agent. */
  device: Device | null;
};

export function SessionsSection() {
  const { t, locale } = useI18n();
  const problemErrors = useProblemErrors();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const load = async () => {
    const r = await api<Session[]>("GET", "/api/sessions");
    if (r.ok) setSessions(r.data);
    else problemErrors(r.problem, []);
  };
  useEffect(() => {
    load();
  }, []);
  if (!sessions) return null;

  const revoke = async (s: Session) => {
    setMessage("");
    setError("");
    const r = await api("DELETE", `/api/sessions/${encodeURIComponent(s.id)}`);
    if (r.ok || r.problem.status === 404) {
      setMessage(t("account.sessionEnded"));
    } else {
      const out = problemErrors(r.problem, []);
      if (out) setError(out.form ?? "");
    }
    await load();
  };
  const when = (iso: string) => formatJalaliDateTime(new Date(iso), locale);
  return (
    <section aria-labelledby="sessions-title" id="sessions">
      <h2 id="sessions-title">{t("account.sessions")}</h2>
      <p>{t("account.sessionsIntro")}</p>
      <Announcer message={message} />
      {problemErrors.wait.notice}
      {error && (
        <p class="error-message" role="alert">
          {error}
        </p>
      )}
      <ul class="session-list">
        {sessions.map((s) => {
          return (
            <li key={s.id} class="session" data-current={s.current ? "true" : undefined}>
              <p class="session__device" id={`session-${s.id}`}>
                {deviceName(s.device, t)}
                {s.current && <strong class="tag"> {t("account.thisSession")}</strong>}
              </p>
              <p class="hint">
                {t("account.signedInAt", { when: when(s.createdAt) })}
                {" · "}
                {t("account.lastSeen", { when: when(s.lastSeenAt) })}
                {s.ip && (
                  <>
                    {" · "}
                    {t("account.ip")} <bdi dir="ltr">{s.ip}</bdi>
                  </>
                )}
              </p>
              {!s.current && (
                <button
                  type="button"
                  class="button button--warning"
                  aria-describedby={`session-${s.id}`}
                  onClick={() => revoke(s)}
                >
                  {t("account.revoke")}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

type RememberedBrowser = {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** «کروم در اندروید»: what the server read from the user agent. */
  device: Device | null;
};

/**
 * R-MFA: the browsers that skip the second step («این مرورگر را به خاطر بسپار», 30 days), beside the
 * sessions: GET /api/account/remembered-browsers, DELETE …/{id} to forget one.
 */
export function RememberedBrowsersSection() {
  const { t, locale } = useI18n();
  const problemErrors = useProblemErrors();
  const [browsers, setBrowsers] = useState<RememberedBrowser[] | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const load = async () => {
    const r = await api<RememberedBrowser[]>("GET", "/api/account/remembered-browsers");
    if (r.ok) setBrowsers(r.data);
    else if (r.problem.status === 401) problemErrors(r.problem, []);
  };
  useEffect(() => {
    load();
  }, []);
  if (!browsers) return null;
  const forget = async (b: RememberedBrowser) => {
    setMessage("");
    setError("");
    const r = await api("DELETE", `/api/account/remembered-browsers/${encodeURIComponent(b.id)}`);
    if (r.ok || r.problem.status === 404) setMessage(t("security.browsers.forgotten"));
    else {
      const out = problemErrors(r.problem, []);
      if (out) setError(out.form ?? "");
    }
    await load();
  };
  const when = (iso: string) => formatJalaliDateTime(new Date(iso), locale);
  return (
    <section aria-labelledby="browsers-title" id="remembered-browsers">
      <h2 id="browsers-title">{t("security.browsers.title")}</h2>
      <p>{t("security.browsers.intro")}</p>
      <Announcer message={message} />
      {problemErrors.wait.notice}
      {error && (
        <p class="error-message" role="alert">
          {error}
        </p>
      )}
      {browsers.length === 0 && <p>{t("security.browsers.none")}</p>}
      <ul class="session-list">
        {browsers.map((b) => {
          return (
            <li key={b.id} class="session" data-current={b.current ? "true" : undefined}>
              <p class="session__device" id={`browser-${b.id}`}>
                {deviceName(b.device, t)}
                {b.current && <strong class="tag"> {t("security.browsers.this")}</strong>}
              </p>
              <p class="hint">
                {t("security.browsers.since", { when: when(b.createdAt) })}
                {" · "}
                {t("security.browsers.until", { when: when(b.expiresAt) })}
                {b.ip && (
                  <>
                    {" · "}
                    {t("account.ip")} <bdi dir="ltr">{b.ip}</bdi>
                  </>
                )}
              </p>
              <button
                type="button"
                class="button button--warning"
                aria-describedby={`browser-${b.id}`}
                onClick={() => forget(b)}
              >
                {t("security.browsers.forget")}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
