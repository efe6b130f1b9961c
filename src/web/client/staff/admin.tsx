// Staff and branches (admins only): create a branch, create a staff member (the one-time password is
// shown once), lock or unlock a staff account, reset its TOTP so the next sign-in enrols again.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api.ts";
import { ErrorSummary, type Errors, fieldId, Radios, TextField } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { PageHeading } from "../router.tsx";
import { Isolated, type StaffMe, toErrors } from "./common.tsx";

type Branch = { id: string; code: string; name: string };
type Staff = {
  id: string;
  username: string;
  name: string;
  role: string;
  status: string;
  branch: string | null;
  totpEnrolled: boolean;
};
export function StaffAdminPage({ me }: { me: StaffMe }) {
  const { t } = useI18n();
  const [branches, setBranches] = useState<Branch[]>([]);
  const [staff, setStaff] = useState<Staff[]>([]);
  const load = async () => {
    const [b, s] = await Promise.all([
      api<Branch[]>("GET", "/api/staff/admin/branches"),
      api<Staff[]>("GET", "/api/staff/admin/staff"),
    ]);
    if (b.ok) setBranches(b.data);
    if (s.ok) setStaff(s.data);
  };
  useEffect(() => {
    load();
  }, []);
  const act = async (id: string, action: string) => {
    await api("POST", `/api/staff/admin/staff/${id}/${action}`);
    load();
  };
  return (
    <>
      <PageHeading title={t("staff.nav.admin")}>{t("staff.nav.admin")}</PageHeading>
      <section aria-labelledby="staff-list-title">
        <h2 id="staff-list-title">{t("staff.admin.staff")}</h2>
        <ul class="session-list">
          {staff.map((s) => (
            <li key={s.id} class="session">
              <p class="session__device">
                {s.name} (<bdi dir="ltr">{s.username}</bdi>){" "}
                {s.status === "locked" && <strong class="tag">{t("staff.admin.locked")}</strong>}
              </p>
              <p class="hint">
                {t(`staff.role.${s.role}`)}
                {s.branch && (
                  <>
                    {" · "}
                    <Isolated k="staff.branchLabel" params={{ branch: s.branch }} />
                  </>
                )}
                {` · ${t(s.totpEnrolled ? "staff.admin.totpOn" : "staff.admin.totpOff")}`}
              </p>
              {s.username !== me.username && (
                <div class="button-row">
                  <button
                    type="button"
                    class="button button--secondary"
                    onClick={() => act(s.id, s.status === "locked" ? "unlock" : "lock")}
                  >
                    {t(s.status === "locked" ? "staff.admin.unlock" : "staff.admin.lock")}
                    <span class="visually-hidden"> {s.username}</span>
                  </button>
                  <button
                    type="button"
                    class="button button--warning"
                    onClick={() => act(s.id, "reset-totp")}
                  >
                    {t("staff.admin.resetTotp")}
                    <span class="visually-hidden"> {s.username}</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      </section>
      {/* A branch must exist before its staff: its form comes first (issue 21). */}
      <section aria-labelledby="branches-title">
        <h2 id="branches-title">{t("staff.admin.branches")}</h2>
        <ul class="link-list" id="branch-list">
          {branches.map((b) => (
            <li key={b.id}>
              <bdi dir="ltr">{b.code}</bdi> — {b.name}
            </li>
          ))}
        </ul>
        <NewBranch onCreated={load} />
      </section>
      <NewStaff branches={branches} onCreated={load} />
    </>
  );
}

function NewStaff({ branches, onCreated }: { branches: Branch[]; onCreated: () => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState({ username: "", name: "", role: "branch_operator", branchId: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [created, setCreated] = useState<{ username: string; password: string } | null>(null);
  const set = (field: keyof typeof form) => (value: string) => setForm({ ...form, [field]: value });
  const submit = async (e: Event) => {
    e.preventDefault();
    setCreated(null);
    const r = await api<{ username: string; password: string }>("POST", "/api/staff/admin/staff", form);
    if (!r.ok) return setErrors(toErrors(r.problem, t("networkError")));
    setErrors({});
    setCreated(r.data);
    setForm({ username: "", name: "", role: "branch_operator", branchId: "" });
    onCreated();
  };
  const branchId = fieldId("branchId");
  return (
    <section aria-labelledby="new-staff-title">
      <h2 id="new-staff-title">{t("staff.admin.newStaff")}</h2>
      <ErrorSummary errors={errors} order={["username", "name", "role", "branchId", "form"]} />
      <div role="status">
        {created && (
          <p class="panel panel--success" id="staff-created">
            <Isolated k="staff.admin.created" params={{ username: created.username }} />{" "}
            <bdi dir="ltr">
              <code>{created.password}</code>
            </bdi>
          </p>
        )}
      </div>
      <form noValidate onSubmit={submit}>
        <TextField
          field="username"
          label={t("staff.username")}
          value={form.username}
          onValue={set("username")}
          error={errors.username}
          width="short"
          dir="ltr"
        />
        <TextField
          field="name"
          label={t("staff.admin.name")}
          value={form.name}
          onValue={set("name")}
          error={errors.name}
        />
        <Radios
          field="role"
          legend={t("staff.admin.role")}
          options={["branch_operator", "admin"].map((value) => ({ value, label: t(`staff.role.${value}`) }))}
          value={form.role}
          onValue={set("role")}
          error={errors.role}
          inline
        />
        {form.role === "branch_operator" && (
          <div class={`form-group${errors.branchId ? " form-group--error" : ""}`}>
            <label class="label" for={branchId}>
              {t("staff.admin.branch")}
            </label>
            {errors.branchId && (
              <p class="error-message" id={`${branchId}-error`}>
                {errors.branchId}
              </p>
            )}
            <select
              id={branchId}
              class="select"
              value={form.branchId}
              onChange={(e) => set("branchId")(e.currentTarget.value)}
              aria-describedby={errors.branchId ? `${branchId}-error` : undefined}
            >
              <option value="">{t("staff.admin.chooseBranch")}</option>
              {branches.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.code} — {b.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <button type="submit" class="button">
          {t("staff.admin.create")}
        </button>
      </form>
    </section>
  );
}

function NewBranch({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<Errors>({});
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await api("POST", "/api/staff/admin/branches", { code, name });
    if (!r.ok) {
      const found = Object.entries(toErrors(r.problem, t("networkError")));
      return setErrors(Object.fromEntries(found.map(([k, v]) => [k === "form" ? k : `branch-${k}`, v])));
    }
    setErrors({});
    setCode("");
    setName("");
    onCreated();
  };
  return (
    <form noValidate onSubmit={submit} aria-labelledby="new-branch-title">
      <h3 id="new-branch-title">{t("staff.admin.newBranch")}</h3>
      {Object.keys(errors).length > 0 && (
        <ErrorSummary errors={errors} order={["branch-code", "branch-name", "form"]} />
      )}
      <TextField
        field="branch-code"
        label={t("staff.admin.branchCode")}
        value={code}
        onValue={setCode}
        error={errors["branch-code"]}
        width="short"
        dir="ltr"
      />
      <TextField
        field="branch-name"
        label={t("staff.admin.branchName")}
        value={name}
        onValue={setName}
        error={errors["branch-name"]}
      />
      <button type="submit" class="button">
        {t("staff.admin.createBranch")}
      </button>
    </form>
  );
}
