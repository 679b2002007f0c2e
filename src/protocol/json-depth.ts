/**
 * The nesting cap on JSON input. Parsing itself copes with deep input, but
 * every later step that walks a value (zod, canonical JSON, stringify) would
 * recurse once per level, so a body nested thousands of levels deep must be
 * refused at the door (src/http/validation.ts `parseJsonText`, and the zone's agent channel), naming where it
 * got too deep.
 */

/** Deepest nesting of objects and arrays accepted in any JSON input (the top-level value is depth 1). */
export const MAX_JSON_DEPTH = 64;

interface Frame {
	value: unknown;
	depth: number;
	key: PropertyKey | null;
	parent: Frame | null;
}

function pathOf(frame: Frame): PropertyKey[] {
	const path: PropertyKey[] = [];
	for (let f: Frame | null = frame; f !== null && f.key !== null; f = f.parent) path.unshift(f.key);
	return path;
}

/** The path of the first object or array nested deeper than `max`, or null; walks without recursion. */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH): PropertyKey[] | null {
	const stack: Frame[] = [{ value, depth: 1, key: null, parent: null }];
	for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
		const current = frame.value;
		if (current === null || typeof current !== "object") continue;
		if (frame.depth > max) return pathOf(frame);
		if (Array.isArray(current)) {
			for (let i = current.length - 1; i >= 0; i--)
				stack.push({ value: current[i], depth: frame.depth + 1, key: i, parent: frame });
		} else {
			for (const [k, v] of Object.entries(current))
				stack.push({ value: v, depth: frame.depth + 1, key: k, parent: frame });
		}
	}
	return null;
}
