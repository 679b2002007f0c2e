/**
 * Finds the sub-schema at an issue's path, so a validation message can state
 * a number field's whole range ("an integer from 1 to 64") rather than only
 * the one bound zod reports. It reads zod's core internals, which classic zod
 * and zod/mini share: the agent wire schemas (zod/mini) sit inside the
 * Worker's own (classic) ones.
 */
// zod's core as a namespace of its own: a nested `z.core` access would make esbuild keep all of core, every locale included.
import * as core from "zod/v4/core";

type Schema = core.$ZodType;

/** The schema that validates the value at `path`, or null where it cannot be told (unions, records). */
export function schemaAt(schema: Schema, path: readonly PropertyKey[]): Schema | null {
	let current = unwrap(schema);
	for (const key of path) {
		if (current instanceof core.$ZodObject && typeof key === "string") {
			const next = (current._zod.def.shape as Record<string, Schema | undefined>)[key];
			if (!next) return null;
			current = unwrap(next);
		} else if (current instanceof core.$ZodArray && typeof key === "number") {
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
		current instanceof core.$ZodOptional ||
		current instanceof core.$ZodNullable ||
		current instanceof core.$ZodDefault
	) {
		current = current._zod.def.innerType;
	}
	return current;
}

/** "an integer from 1 to 64", "a number > 0", … for a number schema with bounds; null otherwise. */
export function describeNumberRange(schema: Schema | null): string | null {
	if (!(schema instanceof core.$ZodNumber)) return null;
	const { low, high, isInt, lowExclusive, highExclusive } = numberBounds(schema);
	const noun = isInt ? "an integer" : "a number";
	// An exclusive bound on an integer is the next integer inside it: positive() is "from 1".
	const min = Number.isFinite(low) ? (isInt && lowExclusive ? Math.floor(low) + 1 : low) : null;
	const max = Number.isFinite(high) ? (isInt && highExclusive ? Math.ceil(high) - 1 : high) : null;
	const minOpen = min !== null && !isInt && lowExclusive;
	const maxOpen = max !== null && !isInt && highExclusive;
	if (min !== null && max !== null) {
		if (!minOpen && !maxOpen) return `${noun} from ${min} to ${max}`;
		return `${noun} ${minOpen ? ">" : ">="} ${min} and ${maxOpen ? "<" : "<="} ${max}`;
	}
	if (min !== null) return `${noun} ${minOpen ? ">" : ">="} ${min}`;
	if (max !== null) return `${noun} ${maxOpen ? "<" : "<="} ${max}`;
	return null;
}

type NumberCheckDef =
	| core.$ZodCheckGreaterThanDef
	| core.$ZodCheckLessThanDef
	| core.$ZodCheckMultipleOfDef
	| core.$ZodCheckNumberFormatDef;

interface NumberBounds {
	low: number;
	high: number;
	isInt: boolean;
	lowExclusive: boolean;
	highExclusive: boolean;
}

/**
 * The bounds folded from the schema's checks (zod/mini schemas have no
 * minValue/maxValue getters). An integer schema (`z.int()`) is its own first
 * check; whether each bound is exclusive is kept, so that `positive()` reads
 * as "from 1" and `gt(0)` as "> 0".
 */
function numberBounds(schema: core.$ZodNumber): NumberBounds {
	const defs: unknown[] = schema._zod.traits.has("$ZodCheck") ? [schema._zod.def] : [];
	for (const check of schema._zod.def.checks ?? []) defs.push(check._zod.def);
	const b: NumberBounds = {
		low: Number.NEGATIVE_INFINITY,
		high: Number.POSITIVE_INFINITY,
		isInt: false,
		lowExclusive: false,
		highExclusive: false,
	};
	for (const raw of defs) {
		const def = raw as NumberCheckDef;
		if (def.check === "greater_than") {
			const value = Number(def.value);
			if (value > b.low || (value === b.low && !def.inclusive)) {
				b.low = value;
				b.lowExclusive = !def.inclusive;
			}
		} else if (def.check === "less_than") {
			const value = Number(def.value);
			if (value < b.high || (value === b.high && !def.inclusive)) {
				b.high = value;
				b.highExclusive = !def.inclusive;
			}
		} else if (def.check === "multiple_of") b.isInt ||= Number.isSafeInteger(def.value);
		// The format's own range (the safe integers for int()) goes without saying once the noun is "an integer".
		else if (def.check === "number_format") b.isInt ||= def.format.includes("int");
	}
	return b;
}
