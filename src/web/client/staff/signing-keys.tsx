// The OIDC signing keys in the console (admins): which signs, which is published ahead, and a rotation
// after a question (POST /api/staff/admin/oidc-keys/rotation, audited; no restart).
import { useEffect, useState } from "preact/hooks";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { api } from "../api.ts";
import { ConfirmRemoval } from "../factors/parts.tsx";
import { useI18n } from "../i18n.ts";

type Key = { kid: string; alg: string; createdAt: string; activeAt: string };

export function SigningKeys() {
  const { t, locale } = useI18n();
  const [keys, setKeys] = useState<Key[]>([]);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState("");
  const when = (iso: string) => formatJalaliDateTime(new Date(iso), locale);
  const load = async () => {
    const r = await api<Key[]>("GET", "/api/staff/admin/oidc-keys");
    if (r.ok) setKeys(r.data);
  };
  useEffect(() => {
    load();
  }, []);
  const rotate = async () => {
    setBusy(true);
    const r = await api<{ activeAt: string }>("POST", "/api/staff/admin/oidc-keys/rotation");
    setBusy(false);
    setAsking(false);
    if (r.ok) setDone(t("staff.keys.rotated", { when: when(r.data.activeAt) }));
    load();
  };
  const now = Date.now();
  // Newest activation first: per algorithm, the first already active signs; those after it were replaced.
  const signers = new Set(
    ["ES256", "RS256"].map(
      (alg) => keys.find((k) => k.alg === alg && new Date(k.activeAt).getTime() <= now)?.kid,
    ),
  );
  return (
    <section aria-labelledby="signing-keys-title">
      <h2 id="signing-keys-title">{t("staff.keys.title")}</h2>
      <p>{t("staff.keys.intro")}</p>
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <ul class="session-list" id="signing-keys">
        {keys.map((k) => (
          <li key={k.kid} class="session">
            <p class="session__device">
              <bdi dir="ltr">
                {k.alg} {k.kid}
              </bdi>
            </p>
            <p class="hint">
              {new Date(k.activeAt).getTime() > now
                ? t("staff.keys.upcoming", { when: when(k.activeAt) })
                : signers.has(k.kid)
                  ? t("staff.keys.signing", { when: when(k.activeAt) })
                  : t("staff.keys.replaced")}
            </p>
          </li>
        ))}
      </ul>
      {asking ? (
        <ConfirmRemoval
          id="signing-keys-confirm"
          question={t("staff.keys.confirm")}
          yes={t("staff.keys.yes")}
          busy={busy}
          onConfirm={rotate}
          onCancel={() => setAsking(false)}
        />
      ) : (
        <button type="button" class="button button--secondary" onClick={() => setAsking(true)}>
          {t("staff.keys.rotate")}
        </button>
      )}
    </section>
  );
}
