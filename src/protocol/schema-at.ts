/**
 * Finds the sub-schema at an issue's path, so a validation message can state
 * a number field's whole range ("an integer from 1 to 64") rather than only
 * the one bound zod reports. It reads zod's core internals, which classic zod
 * and zod/mini share: the agent wire schemas (zod/mini) sit inside the
 * Worker's own (classic) ones.
 */
import { z } from "zod";

type Schema = z.core.$ZodType;

/** The schema that validates the value at `path`, or null where it cannot be told (unions, records). */
export function schemaAt(schema: Schema, path: readonly PropertyKey[]): Schema | null {
	let current = unwrap(schema);
	for (const key of path) {
		if (current instanceof z.core.$ZodObject && typeof key === "string") {
			const next = (current._zod.def.shape as Record<string, Schema | undefined>)[key];
			if (!next) return null;
			current = unwrap(next);
		} else if (current instanceof z.core.$ZodArray && typeof key === "number") {
			current = unwrap(current._zod.def.element);
		} else {
			return null;
		}
	}
	return current;
}

function unwrap(schema: Schema): Schema {
	let current = schema;
	while (
		current instanceof z.core.$ZodOptional ||
		current instanceof z.core.$ZodNullable ||
		current instanceof z.core.$ZodDefault
	) {
		current = current._zod.def.innerType;
	}
	return current;
}

/** "an integer from 1 to 64", "a number >= 0", … for a number schema with bounds; null otherwise. */
export function describeNumberRange(schema: Schema | null): string | null {
	if (!(schema instanceof z.core.$ZodNumber)) return null;
	const { low, high, isInt } = numberBounds(schema);
	const noun = isInt ? "an integer" : "a number";
	const min = Number.isFinite(low) ? low : null;
	const max = Number.isFinite(high) ? high : null;
	if (min !== null && max !== null) return `${noun} from ${min} to ${max}`;
	if (min !== null) return `${noun} >= ${min}`;
	if (max !== null) return `${noun} <= ${max}`;
	return null;
}

type NumberCheckDef =
	| z.core.$ZodCheckGreaterThanDef
	| z.core.$ZodCheckLessThanDef
	| z.core.$ZodCheckMultipleOfDef
	| z.core.$ZodCheckNumberFormatDef;

/**
 * What classic zod's minValue, maxValue and isInt derive, folded from the
 * schema's checks the same way (zod/mini schemas have no such getters). An
 * integer schema (`z.int()`) is its own first check; an exclusive bound counts
 * as the bound itself, as in classic zod.
 */
function numberBounds(schema: z.core.$ZodNumber): { low: number; high: number; isInt: boolean } {
	const defs: unknown[] = schema._zod.traits.has("$ZodCheck") ? [schema._zod.def] : [];
	for (const check of schema._zod.def.checks ?? []) defs.push(check._zod.def);
	let low = Number.NEGATIVE_INFINITY;
	let high = Number.POSITIVE_INFINITY;
	let isInt = false;
	for (const raw of defs) {
		const def = raw as NumberCheckDef;
		if (def.check === "greater_than") low = Math.max(low, Number(def.value));
		else if (def.check === "less_than") high = Math.min(high, Number(def.value));
		else if (def.check === "multiple_of") isInt ||= Number.isSafeInteger(def.value);
		else if (def.check === "number_format") {
			const [least, most] = z.core.util.NUMBER_FORMAT_RANGES[def.format];
			low = Math.max(low, least);
			high = Math.min(high, most);
			isInt ||= def.format.includes("int");
		}
	}
	return { low, high, isInt };
}
