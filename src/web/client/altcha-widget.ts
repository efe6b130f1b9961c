// The ALTCHA widget as a module of its own, loaded by challenge.ts only when a request needs it, so
// the pages' bundle does not carry it. Persian and English texts come with it.
import "altcha/external";
import "altcha/i18n/fa";
import "altcha/i18n/en";

type AltchaGlobal = { $altcha: { algorithms: Map<string, () => Worker> } };

/** The solver runs in a worker served from our own origin (the CSP allows no blob: workers). */
export function useWorker(url: string) {
  (globalThis as unknown as AltchaGlobal).$altcha.algorithms.set("SHA-256", () => new Worker(url));
}
