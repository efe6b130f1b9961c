// The idle sign-out, told before it comes (WCAG 2.2.1, issue 21): a session ends after
// SESSION_IDLE_MINUTES without a request. Three minutes before, a notice counts down with «ادامه می‌دهم»,
// which asks the server once and so renews the session; at the end the page goes to the login, which
// says why. The clock starts at the page's last answer from the server, less a minute: the server
// renews a session's idle clock at most once a minute (sessions.ts), so its deadline may come that much
// sooner than the page's.
import { useEffect, useState } from "preact/hooks";
import { api, lastApiAnswer } from "../api.ts";
import { useSecondsLeft, useWaitText } from "../code-step.tsx";
import { useI18n } from "../i18n.ts";
import { toLoginSignedOut } from "./login.tsx";

const WARN_MS = 3 * 60_000;
const MARGIN_MS = 60_000;

export function IdleWarning() {
  const { t } = useI18n();
  const words = useWaitText();
  const [idleMs, setIdleMs] = useState<number | null>(null);
  const [seen, setSeen] = useState(lastApiAnswer());
  // The session's idle minutes, and whether there is one at all (a signed-out page has no warning).
  useEffect(() => {
    api<{ idleMinutes?: number }>("GET", "/api/me").then((r) => {
      if (r.ok && r.data.idleMinutes) setIdleMs(r.data.idleMinutes * 60_000);
    });
  }, []);
  // Any answer the page gets meanwhile moves the deadline on.
  useEffect(() => {
    const timer = setInterval(() => setSeen(lastApiAnswer()), 5_000);
    return () => clearInterval(timer);
  }, []);
  const deadline = idleMs === null ? 0 : seen + idleMs - MARGIN_MS;
  const left = useSecondsLeft(deadline);
  // The page's deadline comes a minute before the server's: the session is ended here, not left to it.
  const signOut = async (minutes: number) => {
    await api("POST", "/api/logout", { reason: "idle" });
    toLoginSignedOut(minutes);
  };
  useEffect(() => {
    if (idleMs !== null && left === 0) signOut(Math.round(idleMs / 60_000));
  }, [left, idleMs]);

  if (idleMs === null || left === 0 || left * 1000 > WARN_MS) return null;
  const renew = async () => {
    const r = await api("GET", "/api/me");
    if (r.ok) setSeen(lastApiAnswer());
    else signOut(Math.round(idleMs / 60_000));
  };
  return (
    <section class="idle-warning" id="idle-warning" aria-labelledby="idle-warning-title">
      <div role="alert">
        <h2 class="idle-warning__title" id="idle-warning-title">
          {t("idle.title")}
        </h2>
      </div>
      <p>{t("idle.text", { time: words(left) })}</p>
      <button type="button" class="button" onClick={renew}>
        {t("idle.continue")}
      </button>
    </section>
  );
}
