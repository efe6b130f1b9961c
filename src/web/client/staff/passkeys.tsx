// The member's passkeys (R-MFA): listed, added (the browser asks the device to make one and to verify
// the member), removed. An administrator without one lands here after the password and the app's code,
// and goes no further until one is added.
import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { useEffect, useState } from "preact/hooks";
import { formatJalaliDateTime } from "../../../domain/jalali-date.ts";
import { api } from "../api.ts";
import { ErrorSummary, type Errors, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";
import { toErrors } from "./common.tsx";

type Passkey = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

/**
 * Sign-in with a passkey: after the password (the half session's member) or alone. True once signed in;
 * otherwise the errors to show (none when the member closed the browser's dialog).
 */
export async function signInWithStaffPasskey(fallback: string): Promise<true | Errors> {
  const options = await api<Record<string, unknown>>("POST", "/api/staff/login/passkey/options");
  if (!options.ok) return toErrors(options.problem, fallback);
  let response: unknown;
  try {
    response = await startAuthentication({ optionsJSON: options.data as never });
  } catch {
    return {};
  }
  const r = await api("POST", "/api/staff/login/passkey", { response });
  return r.ok ? true : toErrors(r.problem, fallback);
}

export function StaffPasskeysPage({ required, onChanged }: { required: boolean; onChanged: () => void }) {
  const { t, locale } = useI18n();
  const date = (iso: string) => formatJalaliDateTime(new Date(iso), locale);
  const [passkeys, setPasskeys] = useState<Passkey[] | null>(null);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [askPassword, setAskPassword] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const load = async () => {
    const r = await api<Passkey[]>("GET", "/api/staff/passkeys");
    if (r.ok) setPasskeys(r.data);
  };
  useEffect(() => {
    load();
  }, []);

  const proof = () => (password ? { currentPassword: password } : {});
  const fail = (problem: Parameters<typeof toErrors>[0]) => {
    const found = toErrors(problem, t("networkError"));
    if (found.currentPassword) setAskPassword(true);
    setErrors(found);
  };

  const add = async (e: Event) => {
    e.preventDefault();
    setDone("");
    setBusy(true);
    const options = await api<Record<string, unknown>>(
      "POST",
      "/api/staff/passkeys/registration/options",
      proof(),
    );
    if (!options.ok) {
      setBusy(false);
      return fail(options.problem);
    }
    let response: unknown;
    try {
      response = await startRegistration({ optionsJSON: options.data as never });
    } catch {
      setBusy(false);
      return setErrors({ form: t("staff.passkeys.cancelled") });
    }
    const r = await api("POST", "/api/staff/passkeys/registration", { response, ...(name ? { name } : {}) });
    setBusy(false);
    if (!r.ok) return fail(r.problem);
    setErrors({});
    setName("");
    setPassword("");
    setDone(t("staff.passkeys.added"));
    await load();
    onChanged();
  };

  const remove = async (passkey: Passkey) => {
    setDone("");
    const r = await api("DELETE", `/api/staff/passkeys/${passkey.id}`, proof());
    if (!r.ok) return fail(r.problem);
    setErrors({});
    setDone(t("staff.passkeys.removed"));
    await load();
  };

  return (
    <div class="narrow">
      <PageHeading title={t("staff.passkeys.title")}>{t("staff.passkeys.title")}</PageHeading>
      <p>{t(required ? "staff.passkeys.required" : "staff.passkeys.intro")}</p>
      <ErrorSummary errors={errors} order={["currentPassword", "name", "form"]} />
      {done && (
        <p class="panel__body" role="status" id="passkeys-status">
          {done}
        </p>
      )}
      {passkeys && passkeys.length > 0 && (
        <ul class="session-list" id="passkeys-list">
          {passkeys.map((p) => (
            <li key={p.id} class="session">
              <p class="session__device" id={`passkey-${p.id}`}>
                <bdi>{p.name}</bdi>
              </p>
              <p class="hint">
                {t("staff.passkeys.addedOn", { date: date(p.createdAt) })}
                {p.lastUsedAt && ` · ${t("staff.passkeys.usedOn", { date: date(p.lastUsedAt) })}`}
              </p>
              <button
                type="button"
                class="button button--warning"
                aria-describedby={`passkey-${p.id}`}
                onClick={() => remove(p)}
              >
                {t("staff.passkeys.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form noValidate onSubmit={add}>
        <TextField
          field="name"
          label={t("staff.passkeys.name")}
          hint={t("staff.passkeys.nameHint")}
          value={name}
          onValue={setName}
          error={errors.name}
          width="short"
        />
        {askPassword && (
          <TextField
            field="currentPassword"
            label={t("staff.password.current")}
            value={password}
            onValue={setPassword}
            error={errors.currentPassword}
            type="password"
            autocomplete="current-password"
            width="short"
            dir="ltr"
          />
        )}
        <button type="submit" class="button" disabled={busy}>
          {t("staff.passkeys.add")}
        </button>
      </form>
    </div>
  );
}
