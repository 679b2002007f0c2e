/**
 * Boundary validation: parse a JSON body (or any value) with zod and turn the
 * first failures into one 400 whose message names the field path, the value
 * received with its type, and what is allowed (src/protocol/zod-issues.ts).
 */
import type { Context } from "hono";
import type { z } from "zod";
import { MAX_JSON_DEPTH, tooDeepAt } from "../protocol/json-depth.js";
import { checkInput, formatPath } from "../protocol/zod-issues.js";
import { InvalidRequestError } from "./errors.js";

/** Validates `input` against `schema` (classic zod or zod/mini), or throws a 400 naming the fields at fault. */
export function validate<S extends z.core.$ZodType>(schema: S, input: unknown, root = "body"): z.output<S> {
	const checked = checkInput(schema, input, root);
	if (checked.ok) return checked.data;
	throw new InvalidRequestError(checked.problem.message, checked.problem.param, "invalid_value");
}

/**
 * Parses a JSON request body: empty, malformed or nested deeper than
 * MAX_JSON_DEPTH is a 400 (the last naming the path where it got too deep).
 */
export function parseJsonText(text: string): unknown {
	if (text.trim().length === 0) {
		throw new InvalidRequestError("The request body is empty; expected a JSON object.", null, "invalid_json");
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (err) {
		const reason = err instanceof Error ? err.message : String(err);
		throw new InvalidRequestError(`The request body is not valid JSON: ${reason}`, null, "invalid_json");
	}
	assertJsonDepth(parsed);
	return parsed;
}

/** Throws a 400 nesting_too_deep naming the path where `value` nests deeper than MAX_JSON_DEPTH. */
export function assertJsonDepth(value: unknown, root = "body"): void {
	const deep = tooDeepAt(value);
	if (deep === null) return;
	let where = formatPath(deep, root);
	if (where.length > 200) where = `${where.slice(0, 200)}…`;
	throw new InvalidRequestError(
		`${where}: expected JSON nested at most ${MAX_JSON_DEPTH} levels deep, got deeper nesting.`,
		where,
		"nesting_too_deep",
	);
}

/** Reads the request body as JSON and validates it; malformed or too deeply nested JSON is a 400 too. */
export async function jsonBody<S extends z.core.$ZodType>(c: Context, schema: S): Promise<z.output<S>> {
	return validate(schema, parseJsonText(await c.req.text()));
}

/** Re-exported for the Worker's own messages about a value it was given. */
export { describeValue, quoteValue } from "../protocol/zod-issues.js";
