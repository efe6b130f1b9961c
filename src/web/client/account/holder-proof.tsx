// A change of factors needs the holder to prove themselves again (proveHolder on the server): the
// current password, unless a second factor was given in the last minutes. The page tries without
// it; when the server answers that the password is needed, it is asked here and the change repeats.
import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../api.ts";
import { ErrorSummary } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { CurrentPasswordField } from "../password-step.tsx";

export type Proof = { currentPassword?: string };
type Outcome = { ok: boolean; problem?: ApiProblem };

const passwordProblem = (r: Outcome) =>
  !r.ok && r.problem?.status === 400
    ? r.problem.errors?.find((e) => e.field === "currentPassword")
    : undefined;

type Asking = { what: string; error: string; answer: (password: string | null) => void };

export function useHolderProof() {
  const [asking, setAsking] = useState<Asking | null>(null);
  /**
   * Runs `change` (whose name `what` the prompt shows); asks for the password as often as the
   * server wants it. Null when the person gave up at the prompt.
   */
  async function proved<R extends Outcome>(
    what: string,
    change: (proof: Proof) => Promise<R>,
  ): Promise<R | null> {
    let result = await change({});
    for (let problem = passwordProblem(result); problem; problem = passwordProblem(result)) {
      const error = problem.code === "currentPassword.required" ? "" : problem.message;
      const password = await new Promise<string | null>((answer) => setAsking({ what, error, answer }));
      if (password === null) {
        setAsking(null);
        return null;
      }
      result = await change({ currentPassword: password });
    }
    setAsking(null);
    return result;
  }
  const prompt = asking ? <PasswordPrompt key={asking.what} asking={asking} /> : null;
  return { proved, prompt };
}

function PasswordPrompt({ asking }: { asking: Asking }) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const [error, setError] = useState(asking.error);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setBusy(false);
    setError(asking.error);
    setPassword("");
    heading.current?.focus();
  }, [asking]);
  const submit = (e: Event) => {
    e.preventDefault();
    if (password === "") return setError(t("errors.currentPassword.required"));
    setBusy(true);
    asking.answer(password);
  };
  return (
    <section class="panel" id="holder-proof" aria-labelledby="holder-proof-title">
      <h2 class="panel__title" id="holder-proof-title" tabIndex={-1} ref={heading}>
        {t("security.proof.title")}
      </h2>
      <p>{t("security.proof.text", { what: asking.what })}</p>
      <ErrorSummary errors={error ? { currentPassword: error } : {}} />
      <form noValidate onSubmit={submit}>
        <CurrentPasswordField value={password} onValue={setPassword} error={error || undefined} />
        <div class="button-row">
          <button type="submit" class="button" disabled={busy}>
            {t("security.proof.submit")}
          </button>
          <button type="button" class="button button--secondary" onClick={() => asking.answer(null)}>
            {t("security.cancel")}
          </button>
        </div>
      </form>
    </section>
  );
}
