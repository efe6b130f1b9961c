// Solving a `challenge_required` answer (R-ABUSE) for whichever form sent the request: the ALTCHA
// widget is loaded from our own server, shown with a live region that says what is happening, solves
// by itself, and hands back the X-Altcha header for the repeated request.
import { type Locale, t } from "../../messages/index.ts";

type Widget = HTMLElement & { reset?: () => void };
let loaded: Promise<void> | undefined;

function assets() {
  const tag = document.querySelector<HTMLScriptElement>("script[data-altcha]");
  return {
    script: tag?.dataset.altcha ?? "",
    worker: tag?.dataset.altchaWorker ?? "",
    styles: tag?.dataset.altchaStyles ?? "",
  };
}

function load(): Promise<void> {
  if (!loaded) {
    const { script, worker, styles } = assets();
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = styles;
    document.head.append(link);
    loaded = import(/* @vite-ignore */ script).then((m: { useWorker(url: string): void }) => {
      m.useWorker(worker);
    });
    loaded.catch(() => {
      loaded = undefined;
    });
  }
  return loaded;
}

/** The X-Altcha header solving `challenge`, or null when the widget could not be loaded. */
export async function solveChallenge(challenge: unknown, locale: Locale): Promise<string | null> {
  try {
    await load();
  } catch {
    return null;
  }
  document.querySelector(".challenge")?.remove();
  const panel = document.createElement("aside");
  panel.className = "challenge";
  panel.setAttribute("aria-label", t(locale, "ui.challenge.label"));
  const status = document.createElement("p");
  status.className = "challenge-status";
  status.setAttribute("role", "status");
  const widget = document.createElement("altcha-widget") as Widget;
  widget.setAttribute("challenge", JSON.stringify(challenge));
  widget.setAttribute("language", locale);
  widget.setAttribute("auto", "onload");
  widget.setAttribute("configuration", JSON.stringify({ hideFooter: true, minDuration: 300 }));
  panel.append(status, widget);
  (document.querySelector("main") ?? document.body).append(panel);
  // Set after the region is in the page, so that screen readers announce the change.
  requestAnimationFrame(() => {
    status.textContent = t(locale, "ui.challenge.solving");
  });
  return new Promise((resolve) => {
    widget.addEventListener("verified", (event) => {
      status.textContent = t(locale, "ui.challenge.solved");
      setTimeout(() => panel.remove(), 4000);
      resolve((event as CustomEvent<{ payload: string }>).detail.payload);
    });
    widget.addEventListener("statechange", (event) => {
      // The widget stays: its checkbox, by keyboard or touch, tries again.
      if ((event as CustomEvent<{ state: string }>).detail.state === "error") {
        status.textContent = t(locale, "ui.challenge.failed");
      }
    });
  });
}
