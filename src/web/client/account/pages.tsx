// The account's change pages under /account/…; null for any other address (the account page).
import { ChangeContactPage } from "./contact.tsx";
import { ChangePasswordPage } from "./password.tsx";
import { ChangeQuestionsPage } from "./questions.tsx";
import { SecurityPage } from "./security.tsx";

export function accountSubPage(path: string) {
  if (path === "/account/password") return <ChangePasswordPage />;
  if (path === "/account/mobile") return <ChangeContactPage kind="mobile" key="mobile" />;
  if (path === "/account/email") return <ChangeContactPage kind="email" key="email" />;
  if (path === "/account/security-questions") return <ChangeQuestionsPage />;
  if (path === "/account/security") return <SecurityPage />;
  return null;
}
