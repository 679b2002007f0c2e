/**
 * A canonical JSON text (object keys sorted at every level), so that the same
 * request body hashes the same whatever order its fields came in: the
 * Idempotency-Key check compares these hashes.
 */

/** JSON.stringify with sorted object keys. */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(sortKeys);
	if (value === null || typeof value !== "object") return value;
	const record = value as Record<string, unknown>;
	return Object.fromEntries(
		Object.keys(record)
			.sort()
			.map((k) => [k, sortKeys(record[k])]),
	);
}
