// Authenticator apps (TOTP, RFC 6238): add one (its QR code, and the secret in groups of four for
// typing), confirm it with the app's first code, list and remove them.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.ts";
import { CodeField, cleanCode, useCodeStep } from "../code-step.tsx";
import { ErrorSummary } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { ConfirmRemoval, type SectionProps, useFactorDates } from "./parts.tsx";

type Enrolment = { id: string; secret: string; uri: string; qrSvg: string };

/** A base32 secret as a person types it from the screen: groups of four. */
export const groupSecret = (secret: string) => secret.replace(/\s+/g, "").match(/.{1,4}/g) ?? [];

export function TotpSection(p: SectionProps) {
  const { t } = useI18n();
  const dates = useFactorDates();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);

  const start = async () => {
    setBusy(true);
    const r = await p.proved(t("security.totp.add"), (proof) =>
      api<Enrolment>("POST", "/api/account/totp", proof),
    );
    setBusy(false);
    if (!r?.ok) return p.failed(r?.problem ?? null);
    setEnrolment(r.data);
  };

  const remove = async (id: string) => {
    setBusy(true);
    const r = await p.proved(t("security.totp.remove"), (proof) =>
      api("DELETE", `/api/account/totp/${encodeURIComponent(id)}`, proof),
    );
    setBusy(false);
    setRemoving(null);
    if (!r?.ok) return p.failed(r?.problem ?? null);
    await p.reload();
    p.done(t("security.totp.removed"));
  };

  return (
    <section aria-labelledby="totp-title" id="totp">
      <h2 id="totp-title">{t("security.totp.title")}</h2>
      <p>{t("security.totp.intro")}</p>
      {p.factors.totp.length === 0 && !enrolment && <p class="factor-status">{t("security.totp.none")}</p>}
      <ul class="session-list" id="totp-list">
        {p.factors.totp.map((app) => (
          <li key={app.id} class="session">
            <p class="session__device" id={`totp-${app.id}`}>
              <bdi>{app.name || t("security.totp.defaultName")}</bdi>
            </p>
            <p class="hint">{dates(app)}</p>
            {removing === app.id ? (
              <ConfirmRemoval
                id={`totp-remove-${app.id}`}
                question={t("security.totp.confirmRemove", {
                  name: app.name || t("security.totp.defaultName"),
                })}
                busy={busy}
                onConfirm={() => remove(app.id)}
                onCancel={() => setRemoving(null)}
              />
            ) : (
              <button
                type="button"
                class="button button--warning"
                aria-describedby={`totp-${app.id}`}
                onClick={() => setRemoving(app.id)}
              >
                {t("security.totp.remove")}
              </button>
            )}
          </li>
        ))}
      </ul>
      {enrolment ? (
        <TotpEnrolment
          enrolment={enrolment}
          onEnd={async (confirmed) => {
            setEnrolment(null);
            if (!confirmed) return;
            await p.reload();
            p.done(t("security.totp.added"));
          }}
        />
      ) : (
        <button type="button" class="button" disabled={busy} onClick={start}>
          {t("security.totp.add")}
        </button>
      )}
    </section>
  );
}

function TotpEnrolment({ enrolment, onEnd }: { enrolment: Enrolment; onEnd: (confirmed: boolean) => void }) {
  const { t } = useI18n();
  const { code, setCode, wrong } = useCodeStep();
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  const confirm = async (e: Event) => {
    e.preventDefault();
    setAttempt((n) => n + 1);
    const typed = cleanCode(code);
    if (!/^\d{6}$/.test(typed)) return setError(t("security.totp.codeFormat"));
    setBusy(true);
    const r = await api("POST", `/api/account/totp/${encodeURIComponent(enrolment.id)}/confirm`, {
      code: typed,
    });
    setBusy(false);
    if (r.ok) return onEnd(true);
    setError(wrong(r.problem, "mfa.attemptsLeft") ?? (r.problem.title || t("networkError")));
  };
  return (
    <section class="panel" aria-labelledby="totp-enrol-title" id="totp-enrol">
      <h3 class="panel__title" id="totp-enrol-title" tabIndex={-1} ref={heading}>
        {t("security.totp.enrolTitle")}
      </h3>
      <ol class="bullets">
        <li>{t("security.totp.step1")}</li>
        <li>
          {t("security.totp.step2")}
          <img
            class="qr"
            id="totp-qr"
            src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrolment.qrSvg)}`}
            alt={t("security.totp.qrAlt")}
            width={200}
            height={200}
          />
          <p>{t("security.totp.typeInstead")}</p>
          <ul class="secret" id="totp-secret" aria-label={t("security.totp.secretLabel")} lang="en">
            {groupSecret(enrolment.secret).map((group, i) => (
              <li key={i}>{group}</li>
            ))}
          </ul>
        </li>
        <li>{t("security.totp.step3")}</li>
      </ol>
      <ErrorSummary errors={error ? { totpCode: error } : {}} focusKey={attempt} />
      <form noValidate onSubmit={confirm}>
        <CodeField
          field="totpCode"
          label={t("mfa.totp.label")}
          hint={t("security.totp.codeHint")}
          value={code}
          onValue={setCode}
          error={error || undefined}
        />
        <div class="button-row">
          <button type="submit" class="button" disabled={busy}>
            {t("security.totp.confirm")}
          </button>
          <button type="button" class="button button--secondary" onClick={() => onEnd(false)}>
            {t("security.cancel")}
          </button>
        </div>
      </form>
    </section>
  );
}
