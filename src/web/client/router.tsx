// A small history-API router: links change the address without reloading, and each new page
// moves the focus to its heading so that screen-reader users hear where they are.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

const listeners = new Set<() => void>();
let navigated = false;

/** Asked before an in-app navigation: a question to confirm with the person, or null to go on. */
type LeaveGuard = (to: string) => string | null;
let leaveGuard: LeaveGuard | null = null;

/** A page with unsaved input guards the links out of it; the returned function lifts the guard. */
export function guardLeaving(guard: LeaveGuard): () => void {
  leaveGuard = guard;
  return () => {
    if (leaveGuard === guard) leaveGuard = null;
  };
}

/** `replace` rewrites the current history entry (a redirect) instead of adding one. */
export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (to === location.pathname + location.search) return;
  const question = options.replace ? null : leaveGuard?.(to);
  if (question && !window.confirm(question)) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  navigated = true;
  for (const listener of listeners) listener();
  if (!options.replace) window.scrollTo(0, 0);
}

/**
 * The address now. Effects run children first, so a page that redirects while it first mounts
 * (a reload, a deep link) does so before this hook subscribes: once subscribed, it reads the
 * address again, as useSyncExternalStore does, so that no redirect is missed (issue 21: a stale
 * path let the wizard move on by itself while the person typed).
 */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => {
      navigated = true;
      setPath(location.pathname);
    };
    listeners.add(update);
    window.addEventListener("popstate", update);
    if (location.pathname !== path) setPath(location.pathname);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

type LinkProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children: ComponentChildren };

export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

/** The page heading; focused after an in-app navigation, and it names the browser tab. */
export function PageHeading({ children, title }: { children: ComponentChildren; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = title;
    if (navigated) ref.current?.focus();
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} class="page-title">
      {children}
    </h1>
  );
}
