// The HTML body of every email: the plain text, escaped, in a right-to-left Persian page. Mail clients
// ignore web fonts more often than not, so the stack falls back to fonts that ship with the systems.
const FONT_STACK = "Vazirmatn, Tahoma, 'Segoe UI', Arial, sans-serif";

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function emailHtml(subject: string, text: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p style="margin:0 0 16px">${escapeHtml(p).replaceAll("\n", "<br>")}</p>`)
    .join("\n");
  return `<!doctype html>
<html dir="rtl" lang="fa">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f4f5f7;font-family:${FONT_STACK};direction:rtl;text-align:right">
<div style="max-width:560px;margin:auto;background:#fff;padding:24px;border-radius:8px;line-height:1.9;font-size:15px;color:#1b1b1b">
<h1 style="font-size:18px;margin:0 0 16px">${escapeHtml(subject)}</h1>
${paragraphs}
<p style="margin:24px 0 0;font-size:13px;color:#555">سازمان تأمین اجتماعی — سامانهٔ هویت</p>
</div>
</body>
</html>`;
}
