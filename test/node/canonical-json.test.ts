/**
 * The Idempotency-Key hash is taken over canonical JSON: the same text as
 * JSON.stringify of the value with its keys sorted, built without recursion.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/jobs-api/canonical-json.js";

function sortedStringify(value: unknown): string {
	const sort = (v: unknown): unknown => {
		if (Array.isArray(v)) return v.map(sort);
		if (v === null || typeof v !== "object") return v;
		const r = v as Record<string, unknown>;
		return Object.fromEntries(
			Object.keys(r)
				.sort()
				.map((k) => [k, sort(r[k])]),
		);
	};
	return JSON.stringify(sort(value));
}

describe("canonicalJson", () => {
	it("writes what JSON.stringify writes of the key-sorted value", () => {
		fc.assert(
			fc.property(fc.jsonValue(), (value) => {
				expect(canonicalJson(value)).toBe(sortedStringify(value));
			}),
		);
	});

	it("sorts keys at every level", () => {
		expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
	});

	it("handles nesting far deeper than the stack allows recursion", () => {
		const depth = 100_000;
		const value = JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`);
		expect(canonicalJson(value)).toHaveLength(2 * depth);
	});
});
