// What the sections of the security page (account/security.tsx) share: the factors' shape, the
// dates of a factor, the removal's confirmation.
import { useEffect, useRef } from "preact/hooks";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import type { useHolderProof } from "../account/holder-proof.tsx";
import type { ApiProblem } from "../api.ts";
import { useI18n } from "../i18n.ts";

export type Factor = { id: string; name: string; createdAt: string; lastUsedAt: string | null };
export type Factors = {
  sms: { enabled: boolean };
  totp: Factor[];
  passkeys: Factor[];
  backupCodes: { remaining: number; createdAt: string | null };
  secondFactor: { required: boolean; on: boolean };
};

/** What every section gets: the factors, a reload, the proof prompt, and the page's messages. */
export type SectionProps = {
  factors: Factors;
  reload: () => Promise<void>;
  proved: ReturnType<typeof useHolderProof>["proved"];
  /** Announces a change done (polite live region). */
  done: (message: string) => void;
  /** Shows a failed change (null: the person gave up at the password prompt). */
  failed: (problem: ApiProblem | null) => void;
};

/** "Added …, last used …" of a factor, in the interface's calendar and digits. */
export function useFactorDates() {
  const { t, locale } = useI18n();
  const when = (iso: string) => formatJalaliDateTime(new Date(iso), locale);
  return (f: Factor) =>
    `${t("security.addedAt", { when: when(f.createdAt) })} · ${
      f.lastUsedAt ? t("security.lastUsed", { when: when(f.lastUsedAt) }) : t("security.neverUsed")
    }`;
}

/**
 * «حذف شود؟» under the factor itself: the question, then «بله» (which takes the focus, so that the
 * question is heard) and «انصراف».
 */
export function ConfirmRemoval(p: {
  id: string;
  question: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** The confirming button's text, «بله، حذف شود» unless given. */
  yes?: string;
}) {
  const { t } = useI18n();
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    yes.current?.focus();
  }, []);
  return (
    <div class="panel">
      <p id={p.id} class="panel__body">
        {p.question}
      </p>
      <div class="button-row">
        <button
          type="button"
          class="button button--warning"
          disabled={p.busy}
          onClick={p.onConfirm}
          ref={yes}
        >
          {p.yes ?? t("security.confirmRemove")}
        </button>
        <button type="button" class="button button--secondary" onClick={p.onCancel}>
          {t("security.cancel")}
        </button>
      </div>
    </div>
  );
}
