// What the account pages ask before anything else (decision 007): security questions for an account
// activated at a branch, which has none; and the confirmation of an email not yet proved by its code.
import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { Link } from "../router.tsx";

export function QuestionsFirst() {
  const { t } = useI18n();
  return (
    <div class="notice" id="questions-first" role="status">
      <p class="notice__title">{t("account.questionsFirstTitle")}</p>
      <p>{t("account.questionsFirstText")}</p>
      <Link href="/account/security-questions" class="button">
        {t("account.questionsFirstAction")}
      </Link>
    </div>
  );
}

export function EmailConfirmation({ reload }: { reload: () => void }) {
  const { t } = useI18n();
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | undefined>();
  const send = async () => {
    const r = await api("POST", "/api/account/email/confirmation");
    if (r.ok) return setSent(true);
    setError(r.problem.title || t("networkError"));
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    const r = await api("POST", "/api/account/email/confirmation/verify", { code });
    if (r.ok) return reload();
    setError(r.problem.errors?.[0]?.message ?? (r.problem.title || t("networkError")));
  };
  return (
    <section class="notice" id="email-confirmation" aria-labelledby="email-confirmation-title">
      <h2 class="notice__title" id="email-confirmation-title">
        {t("account.emailUnconfirmed")}
      </h2>
      <p>{t("account.emailUnconfirmedText")}</p>
      {sent ? (
        <form noValidate onSubmit={confirm}>
          <TextField
            field="email-code"
            label={t("account.emailCode")}
            value={code}
            onValue={setCode}
            error={error}
            numeric
            width="short"
            dir="ltr"
          />
          <div class="button-row">
            <button type="submit" class="button">
              {t("account.emailConfirm")}
            </button>
            <button type="button" class="button button--secondary" onClick={send}>
              {t("account.emailResend")}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" class="button button--secondary" onClick={send}>
          {t("account.emailSendCode")}
        </button>
      )}
    </section>
  );
}
