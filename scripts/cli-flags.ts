/**
 * Flag validation shared by the repository's own CLIs (dev, bench, fake
 * backend): flags arrive as strings, and an error must name the flag, the
 * value given and what is allowed.
 */
import { z } from "zod";

/** A string flag holding an integer from `min` to `max`, parsed to a number. */
export function intFlag(flag: string, min: number, max: number) {
	return z.string().transform((raw, ctx) => {
		const n = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
		if (Number.isInteger(n) && n >= min && n <= max) return n;
		ctx.addIssue({
			code: "custom",
			message: `--${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
		});
		return z.NEVER;
	});
}

/** Parses `values` with `schema`, or prints every problem and exits 2. */
export function parseFlagsOrExit<S extends z.ZodType>(schema: S, values: unknown): z.output<S> {
	const parsed = schema.safeParse(values);
	if (parsed.success) return parsed.data;
	for (const issue of parsed.error.issues) console.error(issue.message);
	process.exit(2);
}
