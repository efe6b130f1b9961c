// Backup codes: ten single-use codes for a day without the phone, shown once when made (hashed at
// rest on the server), with the advice to print or copy them; making new ones voids the old set.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api.ts";
import { useI18n } from "../i18n.ts";
import type { SectionProps } from "./parts.tsx";

export function BackupCodesSection(p: SectionProps) {
  const { t, num } = useI18n();
  const [codes, setCodes] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (codes) heading.current?.focus();
  }, [codes]);
  const { remaining, createdAt } = p.factors.backupCodes;
  const hasSet = createdAt !== null;

  const make = async () => {
    if (hasSet && remaining > 0 && !window.confirm(t("security.backup.replaceConfirm"))) return;
    setBusy(true);
    const r = await p.proved(t(hasSet ? "security.backup.remake" : "security.backup.make"), (proof) =>
      api<{ codes: string[] }>("POST", "/api/account/backup-codes", proof),
    );
    setBusy(false);
    if (!r?.ok) return p.failed(r?.problem ?? null);
    setCopied("");
    setCodes(r.data.codes);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes?.join("\n") ?? "");
      setCopied(t("security.backup.copied"));
    } catch {
      setCopied(t("security.backup.copyFailed"));
    }
  };
  const close = async () => {
    setCodes(null);
    await p.reload();
    p.done(t("security.backup.kept"));
  };

  return (
    <section aria-labelledby="backup-title" id="backup-codes">
      <h2 id="backup-title">{t("security.backup.title")}</h2>
      <p>{t("security.backup.intro")}</p>
      {codes ? (
        <div class="panel" id="backup-codes-new">
          <h3 class="panel__title" tabIndex={-1} ref={heading}>
            {t("security.backup.newTitle")}
          </h3>
          <p class="panel__body">{t("security.backup.onceOnly")}</p>
          <ol class="backup-codes" id="backup-code-list" lang="en">
            {codes.map((code) => (
              <li key={code}>{code}</li>
            ))}
          </ol>
          <p>{t("security.backup.advice")}</p>
          <div class="button-row">
            <button type="button" class="button button--secondary" onClick={copy}>
              {t("security.backup.copy")}
            </button>
            <button type="button" class="button button--secondary" onClick={() => window.print()}>
              {t("security.backup.print")}
            </button>
            <button type="button" class="button" onClick={close}>
              {t("security.backup.done")}
            </button>
          </div>
          <p role="status" class="hint">
            {copied}
          </p>
        </div>
      ) : (
        <>
          <p class="factor-status" id="backup-remaining">
            {hasSet
              ? t("security.backup.remaining", { n: num(remaining), total: num(10) })
              : t("security.backup.none")}
          </p>
          {hasSet && remaining <= 3 && <p class="hint">{t("security.backup.runningOut")}</p>}
          <button type="button" class="button" disabled={busy} onClick={make}>
            {t(hasSet ? "security.backup.remake" : "security.backup.make")}
          </button>
        </>
      )}
    </section>
  );
}
