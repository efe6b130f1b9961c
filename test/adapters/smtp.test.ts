// SMTP against a real SMTP peer (smtp-server on 127.0.0.1) that parses what it receives.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SmtpEmail } from "../../src/adapters/smtp/smtp.ts";
import { DeliveryFailed } from "../../src/ports/sms.ts";
import { type DeliveredEmail, emailContract } from "../contracts/email-contract.ts";

type Received = DeliveredEmail & { from: string; html: string; raw: string };

/** The parts of a message as nodemailer writes them (multipart/alternative, base64 bodies). */
function parse(raw: string, envelopeTo: string): Received {
  const [head = "", ...rest] = raw.split(/\r\n\r\n/);
  const header = (name: string) =>
    new RegExp(`^${name}: (.*(?:\\r\\n[ \\t].*)*)`, "mi").exec(head)?.[1] ?? "";
  const words = (value: string) =>
    value
      .replace(/\r\n[ \t]/g, " ")
      .replace(/=\?UTF-8\?B\?([^?]*)\?=\s*/gi, (_, b64: string) =>
        Buffer.from(b64, "base64").toString("utf8"),
      )
      .trim();
  const body = rest.join("\r\n\r\n");
  const part = (type: string) => {
    const m = new RegExp(`Content-Type: ${type}[^]*?\\r\\n\\r\\n([A-Za-z0-9+/=\\r\\n]+?)\\r\\n(?:--|$)`).exec(
      body,
    );
    return m ? Buffer.from(m[1]!.replace(/\r\n/g, ""), "base64").toString("utf8") : "";
  };
  const id = /<([^@>]+)@/.exec(header("Message-ID"))?.[1] ?? "";
  return {
    id,
    to: envelopeTo,
    subject: words(header("Subject")),
    text: part("text/plain"),
    html: part("text/html"),
    from: header("From"),
    raw,
  };
}

async function smtpPeer() {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith("nobody@")) {
        return callback(Object.assign(new Error("550 mailbox unavailable"), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(",");
        received.push(parse(Buffer.concat(chunks).toString("utf8"), to));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let peer: Awaited<ReturnType<typeof smtpPeer>>;
let adapter: SmtpEmail;

emailContract("smtp", async () => {
  peer = await smtpPeer();
  adapter = new SmtpEmail({ url: peer.url, from: "سامانه هویت <no-reply@hoviat.example>", timeoutMs: 5_000 });
  return {
    sender: adapter,
    delivered: async () => peer.received.map(({ id, to, subject, text }) => ({ id, to, subject, text })),
    refusedRecipient: "nobody@example.com",
    close: async () => {
      adapter.close();
      await peer.close();
    },
  };
});

test("the HTML body is a right-to-left Persian page with the text escaped, beside the text body", async () => {
  const local = await smtpPeer();
  const smtp = new SmtpEmail({ url: local.url, from: "Hoviat <no-reply@hoviat.example>", timeoutMs: 5_000 });
  try {
    await smtp.send({ id: "m-1", to: "ali@example.com", subject: "اطلاعیه", text: "سلام <علی>\n\nبند دوم" });
    const [mail] = local.received;
    assert.ok(mail);
    assert.match(mail.html, /<html dir="rtl" lang="fa">/);
    assert.match(mail.html, /font-family:Vazirmatn, Tahoma/);
    assert.match(mail.html, /سلام &#60;علی&#62;<\/p>\n<p[^>]*>بند دوم/);
    assert.equal(mail.text, "سلام <علی>\n\nبند دوم");
    assert.match(mail.raw, /Message-ID: <m-1@hoviat\.example>/i);
  } finally {
    smtp.close();
    await local.close();
  }
});

test("an SMTP server that cannot be reached is a retryable failure", async () => {
  const gone = await smtpPeer();
  await gone.close();
  const smtp = new SmtpEmail({ url: gone.url, from: "Hoviat <no-reply@hoviat.example>", timeoutMs: 2_000 });
  await assert.rejects(
    smtp.send({ id: "m-2", to: "ali@example.com", subject: "s", text: "t" }),
    (e) => e instanceof DeliveryFailed && e.retryable,
  );
  smtp.close();
});

test("with requireTls (production), smtp:// never sends in clear text: no STARTTLS, no message", async () => {
  const plain = await smtpPeer();
  const smtp = new SmtpEmail({
    url: plain.url,
    from: "Hoviat <no-reply@hoviat.example>",
    timeoutMs: 2_000,
    requireTls: true,
  });
  try {
    await assert.rejects(
      smtp.send({ id: "m-3", to: "ali@example.com", subject: "کد", text: "۱۲۳۴۵۶" }),
      (e) => e instanceof DeliveryFailed,
    );
    assert.equal(plain.received.length, 0);
  } finally {
    smtp.close();
    await plain.close();
  }
});
