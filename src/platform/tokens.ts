// Bearer secrets (session cookies, reset tokens): 256 random bits; the database keeps only their
// SHA-256, which is enough for values that cannot be guessed, so a leaked table opens nothing.
import { createHash, randomBytes } from "node:crypto";

export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}
