/**
 * Parses RPC inputs with zod and turns failures into one error whose message
 * names the method, the field, the value received and what is allowed.
 */
import * as z from "zod";
import { jobIdSchema, zoneIdSchema } from "../src/protocol/agent-wire.js";
import { describeValue, valueAt } from "../src/protocol/zod-issues.js";

/** Inputs of the methods that take only a zone id (and optionally a job id). */
export const zoneIdInputSchema = z.object({ zoneId: zoneIdSchema, jobId: z.optional(jobIdSchema) });

/** Thrown for an invalid RPC input; callers may map it to a 400. */
export class RpcInputError extends Error {
	override readonly name = "RpcInputError";
}

/** Validates `input`; throws {@link RpcInputError} such as "poll: maxJobs: expected ..., got 0 (number)". */
export function parseRpcInput<S extends z.ZodType>(schema: S, input: unknown, method: string): z.output<S> {
	const result = schema.safeParse(input);
	if (result.success) return result.data;
	const details = result.error.issues.map((issue) => {
		const path = issue.path.join(".") || "(input)";
		const received = valueAt(input, issue.path);
		return `${path}: ${issue.message}, got ${describeValue(received)}`;
	});
	throw new RpcInputError(`${method}: ${details.join("; ")}`);
}
