// Small helpers for building the page's elements (no framework: the page is a few lists).

type Child = Node | string | null | undefined | false;

/** `<tag attributes…>children…</tag>`; `on*` attributes that are functions become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean | EventListener | undefined> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A country code as its flag-free, screen-reader-friendly label: `(DE)`. */
export const country = (code: string | null | undefined): string => (code ? ` (${code})` : "");

/** Calls `run` at most once per `interval` milliseconds, however often it is scheduled (the
 * last call is never lost). */
export function throttled(run: () => void, interval: number): () => void {
  let last = 0;
  let timer = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + interval - performance.now());
    timer = window.setTimeout(() => {
      timer = 0;
      last = performance.now();
      run();
    }, wait);
  };
}

/** Replaces `element`'s children, skipping the empty ones. */
export function replace(element: Element, ...children: (Child | Child[])[]): void {
  element.replaceChildren(
    ...children.flat().filter((child): child is Node | string => child !== null && child !== undefined && child !== false),
  );
}

/** Enter or Space on a focused element that acts as a button (an SVG marker or node). */
export function isActivation(event: KeyboardEvent): boolean {
  if (event.key !== "Enter" && event.key !== " ") return false;
  event.preventDefault();
  return true;
}
