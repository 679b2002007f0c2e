/**
 * The Worker states a number field's whole range in validation errors; the
 * agent wire schemas are zod/mini, so the range must be read the same way
 * from a zod/mini schema as from its classic-zod twin (src/protocol/schema-at.ts).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeNumberRange, schemaAt } from "../../src/protocol/schema-at.js";
import * as mini from "../../src/protocol/zod-mini.js";

const twins: [string, z.ZodNumber, z.core.$ZodType, string | null][] = [
	[
		"int 1..64",
		z.number().int().min(1).max(64),
		mini.int().check(mini.minimum(1), mini.maximum(64)),
		"an integer from 1 to 64",
	],
	[
		"positive int <= 32768",
		z.number().int().positive().max(32_768),
		mini.int().check(mini.positive(), mini.maximum(32_768)),
		"an integer from 1 to 32768",
	],
	[
		"number 0..2",
		z.number().min(0).max(2),
		mini.number().check(mini.minimum(0), mini.maximum(2)),
		"a number from 0 to 2",
	],
	[
		"number > 0, <= 1",
		z.number().gt(0).max(1),
		mini.number().check(mini.gt(0), mini.maximum(1)),
		"a number > 0 and <= 1",
	],
	["number < 1", z.number().lt(1), mini.number().check(mini.lt(1)), "a number < 1"],
	["int < 10", z.number().int().lt(10), mini.int().check(mini.lt(10)), "an integer <= 9"],
	["int >= 0", z.number().int().min(0), mini.int().check(mini.minimum(0)), "an integer >= 0"],
	["int", z.number().int(), mini.int(), null],
	["number", z.number(), mini.number(), null],
	[
		"multiple of 5",
		z.number().multipleOf(5).max(100),
		mini.number().check(mini.multipleOf(5), mini.maximum(100)),
		"an integer <= 100",
	],
];

describe("describeNumberRange", () => {
	it.each(twins)("states the whole range of %s, in classic zod and zod/mini alike", (_, classic, twin, expected) => {
		expect(describeNumberRange(classic)).toBe(expected);
		expect(describeNumberRange(twin)).toBe(expected);
	});

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
