/**
 * Boundary validation: parse a JSON body (or any value) with zod and turn the
 * first failures into one 400 whose message names the field path, the value
 * received with its type, and what is allowed (src/protocol/zod-issues.ts).
 */
import type { Context } from "hono";
import type { z } from "zod";
import { checkInput } from "../protocol/zod-issues.js";
import { InvalidRequestError } from "./errors.js";

/** Validates `input` against `schema` (classic zod or zod/mini), or throws a 400 naming the fields at fault. */
export function validate<S extends z.core.$ZodType>(schema: S, input: unknown, root = "body"): z.output<S> {
	const checked = checkInput(schema, input, root);
	if (checked.ok) return checked.data;
	throw new InvalidRequestError(checked.problem.message, checked.problem.param, "invalid_value");
}

/** Reads the request body as JSON and validates it; malformed JSON is a 400 too. */
export async function jsonBody<S extends z.core.$ZodType>(c: Context, schema: S): Promise<z.output<S>> {
	const text = await c.req.text();
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
	return validate(schema, parsed);
}

/** Re-exported for the Worker's own messages about a value it was given. */
export { describeValue } from "../protocol/zod-issues.js";
