// Chromium's virtual authenticator (CDP WebAuthn domain) for browser tests of passkeys: a platform
// authenticator that holds discoverable credentials and verifies the person, with no dialog. Pages
// must be opened at http://localhost:<port> (a browser refuses an IP address as RP ID); see
// `startLocalhostHarness`.

import { createServer } from "node:net";
import type { Page } from "playwright-core";
import { chromium } from "playwright-core";
import { startTestSystem } from "../helpers/system.ts";
import { CHROMIUM, CHROMIUM_ARGS, type Harness } from "./browser.ts";

export type VirtualAuthenticator = {
  id: string;
  /** The credentials it holds (id, rpId, sign count, resident or not). */
  credentials(): Promise<
    { credentialId: string; rpId?: string; signCount: number; isResidentCredential: boolean }[]
  >;
  /** Whether the person "verifies" (fingerprint, PIN) at the next ceremony. */
  setUserVerified(verified: boolean): Promise<void>;
  remove(): Promise<void>;
};

export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    id: authenticatorId,
    async credentials() {
      return (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    },
    async setUserVerified(isUserVerified) {
      await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified });
    },
    async remove() {
      await cdp.send("WebAuthn.removeVirtualAuthenticator", { authenticatorId });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The browser harness at http://localhost:<port>, with PUBLIC_URL saying so: the origin passkeys are
 * bound to. (startHarness serves http://127.0.0.1, where a browser makes no passkey.)
 */
export async function startLocalhostHarness(env: Record<string, string> = {}): Promise<Harness> {
  const port = await freePort();
  const sys = await startTestSystem({ PUBLIC_URL: `http://localhost:${port}`, ...env });
  await sys.app.listen({ port, host: "127.0.0.1" });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    sys,
    browser,
    base: `http://localhost:${port}`,
    async newPage(viewport) {
      const context = await browser.newContext({ viewport, locale: "fa-IR" });
      return context.newPage();
    },
    async close() {
      await browser.close();
      await sys.stop();
    },
  };
}
