// The common passwords for the live checklist: fetched once, the first time a password field is on
// the screen, from the hashed asset named in the page (cached for a year); not in the app bundle.
// Until it arrives, and if it never does, the checklist checks the other rules and the server has
// the last word.
import { useEffect, useState } from "preact/hooks";
import { type Blocklist, blocklistFromText } from "../../domain/password-blocklist.ts";

let loaded: Blocklist | undefined;
let loading: Promise<Blocklist | undefined> | undefined;

/** The blocklist if it has arrived. */
export function loadedBlocklist(): Blocklist | undefined {
  return loaded;
}

export function loadBlocklist(): Promise<Blocklist | undefined> {
  const url = document.querySelector<HTMLMetaElement>('meta[name="hoviat-blocklist"]')?.content;
  if (!url) return Promise.resolve(undefined);
  loading ??= fetch(url)
    .then((r) => (r.ok ? r.text() : Promise.reject(new Error(String(r.status)))))
    .then((text) => {
      loaded = blocklistFromText(text);
      return loaded;
    })
    .catch(() => {
      loading = undefined;
      return undefined;
    });
  return loading;
}

/** The blocklist, re-rendering the caller once it has arrived. */
export function useBlocklist(): Blocklist | undefined {
  const [list, setList] = useState(loaded);
  useEffect(() => {
    if (!list) loadBlocklist().then((l) => l && setList(l));
  }, []);
  return list;
}
