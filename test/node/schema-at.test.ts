/**
 * The Worker states a number field's whole range in validation errors; the
 * agent wire schemas are zod/mini, so the range must be read the same way
 * from a zod/mini schema as from its classic-zod twin (src/protocol/schema-at.ts).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeNumberRange, schemaAt } from "../../src/protocol/schema-at.js";
import * as mini from "../../src/protocol/zod-mini.js";

const twins: [string, z.ZodNumber, z.core.$ZodType][] = [
	["int 1..64", z.number().int().min(1).max(64), mini.int().check(mini.minimum(1), mini.maximum(64))],
	[
		"positive int <= 32768",
		z.number().int().positive().max(32_768),
		mini.int().check(mini.positive(), mini.maximum(32_768)),
	],
	["number 0..2", z.number().min(0).max(2), mini.number().check(mini.minimum(0), mini.maximum(2))],
	["number > 0, <= 1", z.number().gt(0).max(1), mini.number().check(mini.gt(0), mini.maximum(1))],
	["int >= 0", z.number().int().min(0), mini.int().check(mini.minimum(0))],
	["int", z.number().int(), mini.int()],
	["number", z.number(), mini.number()],
	["multiple of 5", z.number().multipleOf(5).max(100), mini.number().check(mini.multipleOf(5), mini.maximum(100))],
];

function classicRange(schema: z.ZodNumber): string | null {
	const noun = schema.isInt ? "an integer" : "a number";
	const min = schema.minValue !== null && Number.isFinite(schema.minValue) ? schema.minValue : null;
	const max = schema.maxValue !== null && Number.isFinite(schema.maxValue) ? schema.maxValue : null;
	if (min !== null && max !== null) return `${noun} from ${min} to ${max}`;
	if (min !== null) return `${noun} >= ${min}`;
	if (max !== null) return `${noun} <= ${max}`;
	return null;
}

describe("describeNumberRange", () => {
	it.each(twins)(
		"reads %s from a zod/mini schema as classic zod's minValue, maxValue and isInt say",
		(_, classic, twin) => {
			expect(describeNumberRange(classic)).toBe(classicRange(classic));
			expect(describeNumberRange(twin)).toBe(classicRange(classic));
		},
	);

	it("states the range of a zod/mini field inside a classic object", () => {
		const schema = z.object({
			poll: mini.strictObject({ maxJobs: mini.optional(mini.int().check(mini.minimum(1), mini.maximum(64))) }),
			list: z.array(mini.nullable(mini.number().check(mini.maximum(9)))),
		});
		expect(describeNumberRange(schemaAt(schema, ["poll", "maxJobs"]))).toBe("an integer from 1 to 64");
		expect(describeNumberRange(schemaAt(schema, ["list", 3]))).toBe("a number <= 9");
		expect(schemaAt(schema, ["poll", "nope"])).toBeNull();
	});
});
