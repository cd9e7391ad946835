/** A few DOM helpers: the page is built with plain elements, text set as text (never as HTML). */

type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly attrs?: Readonly<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className !== undefined) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** The element with this id, of this class; a page without it is a build error, said at once. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the page has no #${id} (${type.name})`);
  return element;
}

/** A horizontal bar for a 0–100 value, coloured by `color`. */
export function bar(value: number | null, color: string, title: string): HTMLElement {
  const fill = el('span', { className: 'bar-fill' });
  fill.style.width = `${value === null ? 0 : Math.min(100, Math.max(0, value))}%`;
  fill.style.background = color;
  return el('span', { className: value === null ? 'bar empty' : 'bar', attrs: { title } }, fill);
}
