/** A tiny element builder: the console renders with plain DOM, no framework (docs/adr/0018). */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** Creates an HTML element with attributes, `on*` listeners and children. */
export function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
	const el = document.createElement(tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element. */
export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
	const el = document.createElementNS(SVG_NS, tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
	for (const [key, value] of Object.entries(attrs)) {
		if (typeof value === "function") el.addEventListener(key.slice(2).toLowerCase(), value);
		else if (value === true) el.setAttribute(key, "");
		else if (value !== false && value !== null && value !== undefined) el.setAttribute(key, String(value));
	}
}

function append(el: Element, children: Child[]): void {
	for (const child of children) {
		if (child === null || child === undefined || child === false) continue;
		el.append(typeof child === "number" ? String(child) : child);
	}
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
	el.replaceChildren();
	append(el, children);
}

/** A number with fixed decimals, or an em dash for none. */
export function fmt(value: number | null | undefined, digits = 0): string {
	return value === null || value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits);
}

/** How long ago an epoch-ms time was, e.g. "12 s ago". */
export function ago(at: number | null | undefined, now = Date.now()): string {
	if (at === null || at === undefined) return "never";
	const s = Math.max(0, Math.round((now - at) / 1000));
	if (s < 120) return `${s} s ago`;
	if (s < 7200) return `${Math.round(s / 60)} min ago`;
	return `${Math.round(s / 3600)} h ago`;
}
