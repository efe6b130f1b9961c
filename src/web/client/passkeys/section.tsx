// The account's passkeys: add one with a name (the browser's own dialog, user verification), list
// them, rename, remove after a confirmation. Routes of src/flows/passkeys (README's HTTP API table).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { ConfirmRemoval, type Factor, type SectionProps, useFactorDates } from "../factors/parts.tsx";
import { ErrorSummary, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { enrolPasskey, passkeysSupported } from "./webauthn.ts";

type Passkey = Factor & { deviceType?: string; backedUp?: boolean };
const NAME_MAX = 64;

export function PasskeysSection(p: SectionProps) {
  const { t } = useI18n();
  const dates = useFactorDates();
  const [list, setList] = useState<Passkey[]>(p.factors.passkeys);
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState("");
  const [busy, setBusy] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const supported = passkeysSupported();
  // The passkeys' own list also says which are synced between devices.
  useEffect(() => {
    api<Passkey[]>("GET", "/api/account/passkeys").then((r) => setList(r.ok ? r.data : p.factors.passkeys));
  }, [p.factors]);

  const add = async (e: Event) => {
    e.preventDefault();
    if (name.trim().length > NAME_MAX) return setNameError(t("security.nameTooLong", { n: NAME_MAX }));
    setNameError("");
    setBusy(true);
    const r = await p.proved(t("security.passkeys.add"), (proof) => enrolPasskey({ name, ...proof }));
    setBusy(false);
    if (r === null) return p.failed(null);
    if (r.ok) {
      setName("");
      await p.reload();
      return p.done(t("security.passkeys.added", { name: r.data.name }));
    }
    if (r.reason === "problem") return p.failed(r.problem);
    setNameError(t(`passkeys.${r.reason === "failed" ? "enrolFailed" : r.reason}`));
  };

  const remove = async (key: Passkey) => {
    setBusy(true);
    const r = await p.proved(t("security.passkeys.remove"), (proof) =>
      api("DELETE", `/api/account/passkeys/${encodeURIComponent(key.id)}`, proof),
    );
    setBusy(false);
    setRemoving(null);
    if (!r?.ok) return p.failed(r?.problem ?? null);
    await p.reload();
    p.done(t("security.passkeys.removed", { name: key.name }));
  };

  return (
    <section aria-labelledby="passkeys-title" id="passkeys">
      <h2 id="passkeys-title">{t("security.passkeys.title")}</h2>
      <p>{t("security.passkeys.intro")}</p>
      {list.length === 0 && <p class="factor-status">{t("security.passkeys.none")}</p>}
      <ul class="session-list" id="passkey-list">
        {list.map((key) => (
          <li key={key.id} class="session">
            {renaming === key.id ? (
              <RenameForm
                passkey={key}
                onDone={async (newName) => {
                  setRenaming(null);
                  if (newName === null) return;
                  await p.reload();
                  p.done(t("security.passkeys.renamed", { name: newName }));
                }}
                failed={p.failed}
              />
            ) : (
              <>
                <p class="session__device" id={`passkey-${key.id}`}>
                  <bdi>{key.name}</bdi>
                  {key.backedUp && <span class="tag"> {t("security.passkeys.synced")}</span>}
                </p>
                <p class="hint">{dates(key)}</p>
                {removing === key.id ? (
                  <ConfirmRemoval
                    id={`passkey-remove-${key.id}`}
                    question={t("security.passkeys.confirmRemove", { name: key.name })}
                    busy={busy}
                    onConfirm={() => remove(key)}
                    onCancel={() => setRemoving(null)}
                  />
                ) : (
                  <div class="button-row">
                    <button
                      type="button"
                      class="button button--secondary"
                      aria-describedby={`passkey-${key.id}`}
                      onClick={() => setRenaming(key.id)}
                    >
                      {t("security.passkeys.rename")}
                    </button>
                    <button
                      type="button"
                      class="button button--warning"
                      aria-describedby={`passkey-${key.id}`}
                      onClick={() => setRemoving(key.id)}
                    >
                      {t("security.passkeys.remove")}
                    </button>
                  </div>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {supported ? (
        <form noValidate onSubmit={add} class="inline-form" id="passkey-add">
          <h3>{t("security.passkeys.add")}</h3>
          <TextField
            field="passkeyName"
            label={t("security.passkeys.name")}
            hint={t("security.passkeys.nameHint")}
            value={name}
            onValue={setName}
            error={nameError || undefined}
            required={false}
          />
          <button type="submit" class="button" disabled={busy}>
            {t("security.passkeys.add")}
          </button>
        </form>
      ) : (
        <p class="hint">{t("passkeys.unsupported")}</p>
      )}
    </section>
  );
}

function RenameForm(p: {
  passkey: Passkey;
  onDone: (name: string | null) => void;
  failed: SectionProps["failed"];
}) {
  const { t } = useI18n();
  const [name, setName] = useState(p.passkey.name);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.getElementById("f-passkeyRename")?.focus();
  }, []);
  const save = async (e: Event) => {
    e.preventDefault();
    const value = name.trim();
    if (value === "") return setError(t("security.passkeys.nameRequired"));
    if (value.length > NAME_MAX) return setError(t("security.nameTooLong", { n: NAME_MAX }));
    setBusy(true);
    const r = await api("PATCH", `/api/account/passkeys/${encodeURIComponent(p.passkey.id)}`, {
      name: value,
    });
    setBusy(false);
    if (r.ok) return p.onDone(value);
    const field = r.problem.errors?.find((x) => x.field === "name");
    if (field) return setError(field.message);
    p.onDone(null);
    p.failed(r.problem);
  };
  return (
    <form noValidate onSubmit={save}>
      <ErrorSummary errors={error ? { passkeyRename: error } : {}} />
      <TextField
        field="passkeyRename"
        label={t("security.passkeys.newName")}
        value={name}
        onValue={setName}
        error={error || undefined}
      />
      <div class="button-row">
        <button type="submit" class="button" disabled={busy}>
          {t("security.save")}
        </button>
        <button type="button" class="button button--secondary" onClick={() => p.onDone(null)}>
          {t("security.cancel")}
        </button>
      </div>
    </form>
  );
}
