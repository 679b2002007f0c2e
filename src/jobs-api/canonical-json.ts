/**
 * A canonical JSON text (object keys sorted at every level), so that the same
 * request body hashes the same whatever order its fields came in: the
 * Idempotency-Key check compares these hashes. It is built without
 * recursion, so no input nesting can exhaust the stack.
 */

type Task = { value: unknown } | { text: string };

/**
 * Sorted keys in the order a sorted object literal enumerates them (integer
 * keys first, ascending), which is what the hashes stored so far were taken
 * over: a replay across a deploy must hash the same.
 */
function hashOrder(keys: string[]): string[] {
	return Object.keys(Object.fromEntries(keys.sort().map((k) => [k, 0])));
}

/** JSON.stringify with sorted object keys, as one string. */
export function canonicalJson(value: unknown): string {
	let out = "";
	const tasks: Task[] = [{ value }];
	for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
		if ("text" in task) {
			out += task.text;
			continue;
		}
		const current = task.value;
		if (Array.isArray(current)) {
			// Pushed in reverse, as the stack pops last first.
			tasks.push({ text: "]" });
			for (let i = current.length - 1; i >= 0; i--) {
				const item = current[i];
				tasks.push({ value: item === undefined || typeof item === "function" ? null : item });
				if (i > 0) tasks.push({ text: "," });
			}
			out += "[";
		} else if (current !== null && typeof current === "object" && !("toJSON" in current)) {
			const record = current as Record<string, unknown>;
			const keys = hashOrder(
				Object.keys(record).filter((k) => record[k] !== undefined && typeof record[k] !== "function"),
			);
			tasks.push({ text: "}" });
			for (let i = keys.length - 1; i >= 0; i--) {
				const k = keys[i] as string;
				tasks.push({ value: record[k] });
				tasks.push({ text: `${JSON.stringify(k)}:` });
				if (i > 0) tasks.push({ text: "," });
			}
			out += "{";
		} else {
			out += JSON.stringify(current) ?? "null";
		}
	}
	return out;
}
