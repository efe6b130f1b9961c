// Development only: the SMS and emails the outbox provider recorded instead of sending.
import { useEffect, useState } from "preact/hooks";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { api } from "../api.ts";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";

type Message = { channel: string; to: string; text: string; createdAt: string };

export function OutboxPage() {
  const { t, num, locale } = useI18n();
  const [messages, setMessages] = useState<Message[] | null>(null);
  const load = () => api<Message[]>("GET", "/api/dev/outbox").then((r) => setMessages(r.ok ? r.data : []));
  useEffect(() => {
    load();
  }, []);
  return (
    <>
      <PageHeading title={t("outbox.title")}>{t("outbox.title")}</PageHeading>
      <p>{t("outbox.intro")}</p>
      <button type="button" class="button button--secondary" onClick={load}>
        {t("outbox.refresh")}
      </button>
      <div aria-live="polite">
        {messages?.length === 0 && <p>{t("outbox.empty")}</p>}
        <ul class="outbox" id="outbox-list">
          {(messages ?? []).map((m, i) => (
            <li key={i} class="outbox__item">
              <p class="outbox__meta">
                <span class="tag">{t(`outbox.channel.${m.channel}`)}</span>{" "}
                <span dir="ltr">{m.channel === "sms" ? num(m.to) : m.to}</span>
                {" · "}
                {formatJalaliDateTime(new Date(m.createdAt), locale)}
              </p>
              <p class="outbox__text" dir="auto">
                {m.text}
              </p>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
