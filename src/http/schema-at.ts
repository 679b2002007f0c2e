/**
 * Finds the sub-schema at an issue's path, so a validation message can state
 * a number field's whole range ("an integer from 1 to 64") rather than only
 * the one bound zod reports.
 */
import { z } from "zod";

/** The schema that validates the value at `path`, or null where it cannot be told (unions, records). */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | null {
	let current: z.ZodType = unwrap(schema);
	for (const key of path) {
		if (current instanceof z.ZodObject && typeof key === "string") {
			const next = (current.shape as Record<string, z.ZodType | undefined>)[key];
			if (!next) return null;
			current = unwrap(next);
		} else if (current instanceof z.ZodArray && typeof key === "number") {
			current = unwrap(current.element as z.ZodType);
		} else {
			return null;
		}
	}
	return current;
}

function unwrap(schema: z.ZodType): z.ZodType {
	let current = schema;
	while (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault) {
		current = current.unwrap() as z.ZodType;
	}
	return current;
}

/** "an integer from 1 to 64", "a number >= 0", … for a number schema with bounds; null otherwise. */
export function describeNumberRange(schema: z.ZodType | null): string | null {
	if (!(schema instanceof z.ZodNumber)) return null;
	const noun = schema.isInt ? "an integer" : "a number";
	const min = schema.minValue !== null && Number.isFinite(schema.minValue) ? schema.minValue : null;
	const max = schema.maxValue !== null && Number.isFinite(schema.maxValue) ? schema.maxValue : null;
	if (min !== null && max !== null) return `${noun} from ${min} to ${max}`;
	if (min !== null) return `${noun} >= ${min}`;
	if (max !== null) return `${noun} <= ${max}`;
	return null;
}
