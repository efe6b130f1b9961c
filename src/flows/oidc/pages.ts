// The few pages oidc-provider draws itself (logout confirmation, signed out, an error that must not
// go back to the e-service), in Persian and right to left like the rest of Hoviat.
import { t } from "../../messages/index.ts";

const html = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE = `body{font-family:Vazirmatn,Tahoma,sans-serif;margin:0;background:#f3f5f8;color:#1b1f24}
main{max-width:34rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:.5rem}
h1{font-size:1.4rem;color:#0b4a8b}button{font:inherit;padding:.6rem 1.2rem;margin-inline-end:.5rem;border-radius:.3rem;border:1px solid #0b4a8b;background:#0b4a8b;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b4a8b}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html dir="rtl" lang="fa">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} — ${html(t("fa", "ui.siteName"))}</title><style>${STYLE}</style></head>
<body><main><h1>${html(title)}</h1>${body}</main></body></html>`;
}

export function logoutPage(clientName: string | undefined, form: string): string {
  const question = clientName
    ? t("fa", "oidc.logout.questionFrom", { service: clientName })
    : t("fa", "oidc.logout.question");
  return page(
    t("fa", "oidc.logout.title"),
    `<p>${html(question)}</p>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${html(t("fa", "oidc.logout.yes"))}</button>
<button class="secondary" type="submit" form="op.logoutForm">${html(t("fa", "oidc.logout.no"))}</button>`,
  );
}

export function loggedOutPage(clientName: string | undefined): string {
  const text = clientName
    ? t("fa", "oidc.loggedOut.textFrom", { service: clientName })
    : t("fa", "oidc.loggedOut.text");
  return page(
    t("fa", "oidc.loggedOut.title"),
    `<p>${html(text)}</p><p><a href="/">${html(t("fa", "ui.nav.home"))}</a></p>`,
  );
}

export function errorPage(code: string, description: string | undefined): string {
  const key = `oidc.error.${code}`;
  const known = t("fa", key);
  return page(
    t("fa", "oidc.error.title"),
    `<p>${html(known === key ? t("fa", "oidc.error.other") : known)}</p>
<p dir="ltr" lang="en"><code>${html(code)}</code>${description ? ` — ${html(description)}` : ""}</p>
<p><a href="/">${html(t("fa", "ui.nav.home"))}</a></p>`,
  );
}
