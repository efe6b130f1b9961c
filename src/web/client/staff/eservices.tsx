// R-SSO in the console (admins only): the e-services that sign people in through Hoviat, a form to
// register one (the fields of an OIDC_CLIENTS_FILE entry) and removal. Every change is audited.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorSummary, type Errors, Radios, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";
import { SigningKeys } from "./signing-keys.tsx";

type Eservice = { clientId: string; source: string; metadata: Record<string, unknown> };
const SCOPES = ["profile", "national_id", "phone", "email"];
const lines = (s: string) => s.split(/\s+/).filter(Boolean);

export function EservicesAdminPage() {
  const { t } = useI18n();
  const [list, setList] = useState<Eservice[]>([]);
  const load = async () => {
    const r = await api<Eservice[]>("GET", "/api/staff/admin/oidc-clients");
    if (r.ok) setList(r.data);
  };
  useEffect(() => {
    load();
  }, []);
  const remove = async (id: string) => {
    await api("DELETE", `/api/staff/admin/oidc-clients/${encodeURIComponent(id)}`);
    load();
  };
  return (
    <>
      <PageHeading title={t("staff.nav.eservices")}>{t("staff.nav.eservices")}</PageHeading>
      <section aria-labelledby="eservice-list-title">
        <h2 id="eservice-list-title">{t("staff.eservices.list")}</h2>
        <ul class="session-list" id="eservice-list">
          {list.map((e) => (
            <li key={e.clientId} class="session">
              <p class="session__device">
                {String(e.metadata.client_name)} (<bdi dir="ltr">{e.clientId}</bdi>)
              </p>
              <p class="hint">
                <bdi dir="ltr">{(e.metadata.redirect_uris as string[]).join(" ")}</bdi>
                {" · "}
                <bdi dir="ltr">{String(e.metadata.token_endpoint_auth_method)}</bdi>
                {" · "}
                {t(`staff.eservices.source.${e.source}`)}
              </p>
              <button type="button" class="button button--warning" onClick={() => remove(e.clientId)}>
                {t("staff.eservices.remove")}
                <span class="visually-hidden"> {e.clientId}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <NewEservice onSaved={load} />
      <SigningKeys />
    </>
  );
}

function NewEservice({ onSaved }: { onSaved: () => void }) {
  const { t } = useI18n();
  const [f, setF] = useState({
    id: "",
    name: "",
    redirects: "",
    logouts: "",
    backchannel: "",
    secret: "",
    jwks: "",
  });
  const [auth, setAuth] = useState("client_secret_basic");
  const [scopes, setScopes] = useState<string[]>(SCOPES);
  const [native, setNative] = useState(false);
  const [dpop, setDpop] = useState(false);
  const withSecret = auth === "client_secret_basic" || auth === "client_secret_post";
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState("");
  const set = (k: keyof typeof f) => (v: string) => setF({ ...f, [k]: v });
  const submit = async (e: Event) => {
    e.preventDefault();
    setDone("");
    let jwks: unknown;
    if (auth === "private_key_jwt") {
      try {
        jwks = JSON.parse(f.jwks);
      } catch {
        return setErrors({ jwks: t("staff.eservices.jwksInvalid") });
      }
    }
    const body = {
      client_id: f.id,
      client_name: f.name,
      redirect_uris: lines(f.redirects),
      ...(f.logouts.trim() ? { post_logout_redirect_uris: lines(f.logouts) } : {}),
      ...(f.backchannel.trim() ? { backchannel_logout_uri: f.backchannel.trim() } : {}),
      token_endpoint_auth_method: auth,
      ...(withSecret ? { client_secret: f.secret } : auth === "private_key_jwt" ? { jwks } : {}),
      allowed_scopes: scopes,
      ...(native ? { application_type: "native" } : {}),
      ...(dpop ? { dpop_bound_access_tokens: true } : {}),
    };
    const r = await api("POST", "/api/staff/admin/oidc-clients", body);
    if (!r.ok) return setErrors({ form: r.problem.errors?.[0]?.message ?? r.problem.title });
    setErrors({});
    setDone(t("staff.eservices.saved", { name: f.name }));
    onSaved();
  };
  return (
    <section aria-labelledby="new-eservice-title">
      <h2 id="new-eservice-title">{t("staff.eservices.new")}</h2>
      <ErrorSummary errors={errors} />
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <form noValidate onSubmit={submit}>
        <TextField
          field="clientId"
          label={t("staff.eservices.clientId")}
          value={f.id}
          onValue={set("id")}
          dir="ltr"
        />
        <TextField
          field="clientName"
          label={t("staff.eservices.name")}
          value={f.name}
          onValue={set("name")}
        />
        <TextField
          field="redirects"
          label={t("staff.eservices.redirects")}
          hint={t("staff.eservices.urlsHint")}
          value={f.redirects}
          onValue={set("redirects")}
          dir="ltr"
          width="full"
        />
        <TextField
          field="logouts"
          label={t("staff.eservices.logouts")}
          value={f.logouts}
          onValue={set("logouts")}
          dir="ltr"
          width="full"
          required={false}
        />
        <TextField
          field="backchannel"
          label={t("staff.eservices.backchannel")}
          value={f.backchannel}
          onValue={set("backchannel")}
          dir="ltr"
          width="full"
          required={false}
        />
        <Radios
          field="auth"
          legend={t("staff.eservices.auth")}
          options={[
            { value: "client_secret_basic", label: t("staff.eservices.auth.secret") },
            { value: "client_secret_post", label: t("staff.eservices.auth.secretPost") },
            { value: "private_key_jwt", label: t("staff.eservices.auth.jwt") },
            { value: "none", label: t("staff.eservices.auth.none") },
          ]}
          value={auth}
          onValue={setAuth}
        />
        {withSecret ? (
          <TextField
            field="secret"
            label={t("staff.eservices.secret")}
            hint={t("staff.eservices.secretHint")}
            value={f.secret}
            onValue={set("secret")}
            type="password"
            dir="ltr"
          />
        ) : auth === "none" ? null : (
          <TextField
            field="jwks"
            label={t("staff.eservices.jwks")}
            value={f.jwks}
            onValue={set("jwks")}
            error={errors.jwks}
            dir="ltr"
            width="full"
          />
        )}
        {[
          ["native", native, setNative],
          ["dpop", dpop, setDpop],
        ].map(([key, on, setOn]) => (
          <div class="radio" key={String(key)}>
            <input
              id={`eservice-${key}`}
              type="checkbox"
              checked={on as boolean}
              onChange={(e) => (setOn as (v: boolean) => void)(e.currentTarget.checked)}
            />
            <label for={`eservice-${key}`}>{t(`staff.eservices.${key}`)}</label>
          </div>
        ))}
        <fieldset class="form-group fieldset">
          <legend class="label">{t("staff.eservices.scopes")}</legend>
          {SCOPES.map((s) => (
            <div class="radio" key={s}>
              <input
                id={`scope-${s}`}
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) =>
                  setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))
                }
              />
              <label for={`scope-${s}`}>{t(`sso.scope.${s}`)}</label>
            </div>
          ))}
        </fieldset>
        <button type="submit" class="button">
          {t("staff.eservices.save")}
        </button>
      </form>
    </section>
  );
}
