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

/** What the sessions list and the remembered browsers list have in common: a device, ended by its id. */
type DeviceRow = { id: string; current: boolean; ip: string | null; device: Device | null };

/**
 * A list of the person's devices (sessions, remembered browsers): each with its device name, «this
 * one» marked, its dates and IP, and a button that ends it (DELETE `{url}/{id}`; a 404 means it has
 * already ended) and reloads the list.
 */
function DeviceList<T extends DeviceRow>(props: {
  url: string;
  /** The section's id; its heading's is `{kind}s-title`, each row's `{kind}-{id}`. */
  id: string;
  kind: string;
  title: string;
  intro: string;
  none?: string;
  thisOne: string;
  action: string;
  ended: string;
  dates(row: T, when: (iso: string) => string): string;
  canEnd(row: T): boolean;
  /** Whether a refused list is worded: the sessions' always, the remembered browsers' when signed out only. */
  showLoadError(status: number): boolean;
}) {
  const { t, locale } = useI18n();
  const problemErrors = useProblemErrors();
  const [rows, setRows] = useState<T[] | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");
  const load = async () => {
    const r = await api<T[]>("GET", props.url);
    if (r.ok) setRows(r.data);
    else if (props.showLoadError(r.problem.status)) problemErrors(r.problem, []);
  };
  useEffect(() => {
    load();
  }, []);
  if (!rows) return null;

  const end = async (row: T) => {
    setMessage("");
    setError("");
    const r = await api("DELETE", `${props.url}/${encodeURIComponent(row.id)}`);
    // The list first, then the announcement: what it says is already on the page when it is heard.
    await load();
    if (r.ok || r.problem.status === 404) setMessage(props.ended);
    else {
      const out = problemErrors(r.problem, []);
      if (out) setError(out.form ?? "");
    }
  };
  const when = (iso: string) => formatJalaliDateTime(new Date(iso), locale);
  return (
    <section aria-labelledby={`${props.kind}s-title`} id={props.id}>
      <h2 id={`${props.kind}s-title`}>{props.title}</h2>
      <p>{props.intro}</p>
      <Announcer message={message} />
      {problemErrors.wait.notice}
      {error && (
        <p class="error-message" role="alert">
          {error}
        </p>
      )}
      {props.none && rows.length === 0 && <p>{props.none}</p>}
      <ul class="session-list">
        {rows.map((row) => (
          <li key={row.id} class="session" data-current={row.current ? "true" : undefined}>
            <p class="session__device" id={`${props.kind}-${row.id}`}>
              {deviceName(row.device, t)}
              {row.current && <strong class="tag"> {props.thisOne}</strong>}
            </p>
            <p class="hint">
              {props.dates(row, when)}
              {row.ip && (
                <>
                  {" · "}
                  {t("account.ip")} <bdi dir="ltr">{row.ip}</bdi>
                </>
              )}
            </p>
            {props.canEnd(row) && (
              <button
                type="button"
                class="button button--warning"
                aria-describedby={`${props.kind}-${row.id}`}
                onClick={() => end(row)}
              >
                {props.action}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function SessionsSection() {
  const { t } = useI18n();
  return (
    <DeviceList<Session>
      url="/api/sessions"
      id="sessions"
      kind="session"
      title={t("account.sessions")}
      intro={t("account.sessionsIntro")}
      thisOne={t("account.thisSession")}
      action={t("account.revoke")}
      ended={t("account.sessionEnded")}
      dates={(s, when) =>
        `${t("account.signedInAt", { when: when(s.createdAt) })} · ${t("account.lastSeen", { when: when(s.lastSeenAt) })}`
      }
      canEnd={(s) => !s.current}
      showLoadError={() => true}
    />
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
  const { t } = useI18n();
  return (
    <DeviceList<RememberedBrowser>
      url="/api/account/remembered-browsers"
      id="remembered-browsers"
      kind="browser"
      title={t("security.browsers.title")}
      intro={t("security.browsers.intro")}
      none={t("security.browsers.none")}
      thisOne={t("security.browsers.this")}
      action={t("security.browsers.forget")}
      ended={t("security.browsers.forgotten")}
      dates={(b, when) =>
        `${t("security.browsers.since", { when: when(b.createdAt) })} · ${t("security.browsers.until", { when: when(b.expiresAt) })}`
      }
      canEnd={() => true}
      showLoadError={(status) => status === 401}
    />
  );
}
