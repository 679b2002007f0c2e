/**
 * Words for zod issues, shared by the Worker's HTTP validation and the
 * Durable Objects' RPC checks: each failure names the field path, the value
 * received with its type, and what is allowed, e.g.
 * `messages[0].role: expected one of "system"|"user", got "bot" (string)`.
 * It imports neither the Worker nor the objects (docs/adr/0015).
 */
import * as z from "zod";
import { describeNumberRange, schemaAt } from "./schema-at.js";

const MAX_VALUE_CHARS = 60;
const MAX_ISSUES_IN_MESSAGE = 3;

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** Renders a zod path as `messages[0].role`; the empty path is `body`. */
export function formatPath(path: readonly PathKey[], root = "body"): string {
	if (path.length === 0) return root;
	let out = "";
	for (const key of path) {
		if (typeof key === "number") out += `[${key}]`;
		else out += out.length === 0 ? String(key) : `.${String(key)}`;
	}
	return out;
}

/** The value found at `path` in `input`, or undefined where the path leads nowhere. */
export function valueAt(input: unknown, path: readonly PathKey[]): unknown {
	let current: unknown = input;
	for (const key of path) {
		if (current === null || typeof current !== "object") return undefined;
		current = (current as Record<PropertyKey, unknown>)[key];
	}
	return current;
}

/** A value as JSON, cut to 60 characters (then "…"): how every refusal quotes what it received. */
export function quoteValue(value: unknown): string {
	let json: string;
	try {
		json = JSON.stringify(value) ?? String(value);
	} catch {
		json = String(value);
	}
	return json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}…` : json;
}

/** Describes a received value as `"bot" (string)`, truncating long JSON. */
export function describeValue(value: unknown): string {
	if (value === undefined) return "nothing (missing)";
	const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
	return `${quoteValue(value)} (${type})`;
}

function describeBound(issue: Issue & { code: "too_small" | "too_big" }, bound: number | bigint): string {
	const least = issue.code === "too_small";
	const inclusive = issue.inclusive !== false;
	switch (issue.origin) {
		case "array":
		case "set":
			return `${least ? "at least" : "at most"} ${bound} item${bound === 1 ? "" : "s"}`;
		case "string":
			return `a string of ${least ? "at least" : "at most"} ${bound} character${bound === 1 ? "" : "s"}`;
		default:
			return `a number ${least ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<"} ${bound}`;
	}
}

/** What an issue says is allowed, in words. */
function describeAllowed(issue: Issue): string {
	switch (issue.code) {
		case "invalid_type":
			return issue.expected === "int" ? "an integer" : issue.expected;
		case "invalid_value":
			return issue.values.length === 1
				? JSON.stringify(issue.values[0])
				: `one of ${issue.values.map((v) => JSON.stringify(v)).join("|")}`;
		case "too_small":
			return describeBound(issue, issue.minimum as number | bigint);
		case "too_big":
			return describeBound(issue, issue.maximum as number | bigint);
		case "invalid_format":
			return issue.format === "regex" ? issue.message : `a valid ${issue.format}`;
		case "not_multiple_of":
			return `a multiple of ${String(issue.divisor)}`;
		case "unrecognized_keys":
			return `no unknown fields (got ${issue.keys.map((k) => JSON.stringify(k)).join(", ")})`;
		case "invalid_union":
			return describeUnion(issue);
		default:
			return issue.message;
	}
}

/** A failed union in words: the discriminator's values, or the shapes its branches take. */
function describeUnion(issue: Issue & { code: "invalid_union" }): string {
	const options = (issue as { options?: unknown[] }).options;
	if (options && options.length > 0) return `one of ${options.map((v) => JSON.stringify(v)).join("|")}`;
	const shapes = issue.errors.flatMap((branch) =>
		branch.map((i) => (i.code === "invalid_type" ? describeAllowed(i) : null)).filter((d) => d !== null),
	);
	return shapes.length > 0 ? [...new Set(shapes)].join(" or ") : "a value of another shape";
}

/**
 * A union whose value had the right shape for one branch but failed inside
 * it (an image part among text parts) is reported by that branch's deepest
 * issue, with the union's path in front: "content[0].type: expected "text"".
 */
export function expandUnion(issue: Issue): Issue {
	if (issue.code !== "invalid_union") return issue;
	let deepest: Issue | null = null;
	for (const branch of issue.errors) {
		for (const inner of branch) {
			if (inner.path.length > 0 && (deepest === null || inner.path.length > deepest.path.length)) deepest = inner;
		}
	}
	if (deepest === null) return issue;
	return expandUnion({ ...deepest, path: [...issue.path, ...deepest.path] } as Issue);
}

/** One issue as `path: expected X, got V (type)`; number ranges are stated whole when the schema tells them. */
export function describeIssue(issue: Issue, input: unknown, root = "body", schema?: z.core.$ZodType): string {
	const path = formatPath(issue.path, root);
	if (issue.code === "unrecognized_keys") return `${path}: expected ${describeAllowed(issue)}`;
	const numeric = issue.code === "too_small" || issue.code === "too_big" || issue.code === "invalid_type";
	const range = numeric && schema ? describeNumberRange(schemaAt(schema, issue.path)) : null;
	return `${path}: expected ${range ?? describeAllowed(issue)}, got ${describeValue(valueAt(input, issue.path))}`;
}

/** What is wrong with an input: the message (its first few issues) and the path of the first. */
export interface InputProblem {
	message: string;
	param: string | null;
}

/** Checks `input` against `schema` (classic zod or zod/mini); a failure says which fields and why. */
export function checkInput<S extends z.core.$ZodType>(
	schema: S,
	input: unknown,
	root = "body",
): { ok: true; data: z.output<S> } | { ok: false; problem: InputProblem } {
	const result = z.safeParse(schema, input);
	if (result.success) return { ok: true, data: result.data };
	const issues = result.error.issues.map(expandUnion);
	const first = issues[0];
	const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => describeIssue(i, input, root, schema));
	const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : "";
	return {
		ok: false,
		problem: { message: `${shown.join("; ")}${more}`, param: first ? formatPath(first.path, root) : null },
	};
}
