// Authenticator apps (RFC 6238 over RFC 4226) for citizens and staff alike, on the `otpauth` library:
// HMAC-SHA1, 30-second steps, 6 digits, one step of drift either way, each step good once. Secrets
// are sealed at rest under SECRET_KEY (AES-256-GCM), opened under any key of the ring.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { HOTP, Secret, TOTP } from "otpauth";
import QRCode from "qrcode";

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** The parameters every enrolled app holds: changing one would break every enrolment. */
const PARAMETERS = { algorithm: "SHA1", digits: TOTP_DIGITS, period: TOTP_STEP_SECONDS } as const;

/** 160 random bits, the size RFC 4226 recommends for HMAC-SHA1, in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function base32Encode(bytes: Buffer): string {
  return Secret.fromHex(bytes.toString("hex")).base32;
}

export function hotp(secret: string, counter: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), counter, ...PARAMETERS });
}

export function timeStep(now: Date): number {
  return TOTP.counter({ period: TOTP_STEP_SECONDS, timestamp: now.getTime() });
}

export function totpCode(secret: string, now: Date): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now.getTime(), ...PARAMETERS });
}

/**
 * The time-step a code belongs to (now, one before or one after), or null. A step at or before
 * `lastStep` was used already: a code is good once, so an overheard one cannot be replayed. The
 * caller stores the step with a conditional update (`last_step < step`) so that two parallel uses
 * of one code cannot both pass.
 */
export function matchTotp(secret: string, code: string, now: Date, lastStep: number | null): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  let decoded: Secret;
  try {
    decoded = Secret.fromBase32(secret);
  } catch {
    return null;
  }
  const delta = TOTP.validate({
    token: code,
    secret: decoded,
    timestamp: now.getTime(),
    window: 1,
    ...PARAMETERS,
  });
  if (delta === null) return null;
  const step = timeStep(now) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

/** The Key URI Format authenticators read; the same URI as before the move onto `otpauth`. */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  const params = new URLSearchParams({ secret, issuer, algorithm: "SHA1", digits: "6", period: "30" });
  return `otpauth://totp/${label}?${params}`;
}

/** The QR code of an otpauth URI, drawn here as SVG: the browser gets a picture, no QR library. */
export function qrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** "ABCD EFGH …": easier to type into an authenticator by hand. */
export function groupSecret(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(" ") ?? secret;
}

const sealKey = (secretKey: string) => createHash("sha256").update(`totp-seal:${secretKey}`).digest();

export function sealSecret(secretKey: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealKey(secretKey), iv);
  const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

export function openSecret(secretKey: string, sealed: string): string {
  const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
  const decipher = createDecipheriv("aes-256-gcm", sealKey(secretKey), iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]).toString("utf8");
}

/**
 * The first key of the ring whose seal opens `sealed`, and the secret; null when none does. `current`
 * is false when an older key opened it: the caller seals it again under the current key.
 */
export function openWithRing(secretKeys: readonly string[], sealed: string) {
  for (const [index, key] of secretKeys.entries()) {
    try {
      return { secret: openSecret(key, sealed), current: index === 0 };
    } catch {
      // Not sealed under this key: try the next one.
    }
  }
  return null;
}
