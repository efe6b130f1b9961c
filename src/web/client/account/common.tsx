// What the account pages share: the signed-in check (401 → login), the mapping of problem documents
// to the GOV.UK error pattern (400 fields inline, 429 with the wait), the page frame with its way
// back, and the links from the account page to each change.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { ApiProblem } from "../api.ts";
import { api } from "../api.ts";
import { useWait } from "../code-step.tsx";
import { addError, type Errors } from "../form.tsx";
import { useI18n } from "../i18n.ts";
import { Link, navigate, PageHeading } from "../router.tsx";

export type Me = {
  nationalId: string;
  firstName: string;
  lastName: string;
  gender: string;
  mobile: string;
  email: string;
  status: string;
  birthDate: string;
};

/** The signed-in person's masked profile; without a live session the page goes to the login. */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    api<Me>("GET", "/api/me").then((r) => {
      if (r.ok) setMe(r.data);
      else if (r.problem.status === 401) navigate("/login");
    });
  }, []);
  return me;
}

/**
 * Turns a failed call into errors: field errors of a 400 on the fields this form has (others and
 * problems without fields on `fallback`), a 429 with the wait, no connection. A 401 (the session
 * ended meanwhile) goes back to the login, or to `onUnauthorized`, and gives null. A 429 that says when (Retry-After) starts
 * `.wait`: its `notice` counts down in the interface's digits and `left` keeps the page's button
 * disabled until it is over (issue 21: every wait has a time, and the button comes back by itself).
 */
export function useProblemErrors(onUnauthorized: () => void = () => navigate("/login")) {
  const { t } = useI18n();
  const wait = useWait();
  const toErrors = (problem: ApiProblem, fields: string[] = [], fallback = "form"): Errors | null => {
    if (problem.status === 401) {
      onUnauthorized();
      return null;
    }
    if (problem.status === 0) return { [fallback]: t("networkError") };
    const tooMany = wait.tooMany(problem);
    if (tooMany) return { form: tooMany };
    const out: Errors = {};
    for (const fe of problem.errors ?? []) {
      const known = fields.some((f) => fe.field === f || fe.field.startsWith(`${f}.`));
      addError(out, known ? fe.field : "form", fe.message);
    }
    if (Object.keys(out).length === 0) out[fallback] = problem.title || t("networkError");
    return out;
  };
  return Object.assign(toErrors, { wait });
}

/** The frame of each change page: the way back to the account above the heading. */
export function AccountFrame({ title, children }: { title: string; children: ComponentChildren }) {
  const { t } = useI18n();
  return (
    <div class="narrow">
      <p class="back-link">
        <Link href="/account">{t("account.back")}</Link>
      </p>
      <PageHeading title={title}>{title}</PageHeading>
      {children}
    </div>
  );
}

const CHANGES = [
  ["/account/security", "security.title", "security.cardText"],
  ["/account/password", "account.changePassword", "account.changePasswordText"],
  ["/account/mobile", "account.changeMobile", "account.changeMobileText"],
  ["/account/email", "account.changeEmail", "account.changeEmailText"],
  ["/account/security-questions", "account.changeQuestions", "account.changeQuestionsText"],
] as const;

/** The account page's section of links to each change. */
export function AccountChanges() {
  const { t } = useI18n();
  return (
    <section aria-labelledby="changes-title">
      <h2 id="changes-title">{t("account.changes")}</h2>
      <ul class="cards" id="account-changes">
        {CHANGES.map(([href, title, text]) => (
          <li class="card" key={href}>
            <h3 class="card__title">
              <Link href={href} class="card__link">
                {t(title)}
              </Link>
            </h3>
            <p class="card__text">{t(text)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
