/**
 * The body of POST /v1/batches, shared by the Batch API's handler and the
 * OpenAPI document.
 */
import * as z from "zod";

/** POST /v1/batches body. */
export const createBatchBodySchema = z.strictObject({
	input_file_id: z.string().min(1).max(100),
	endpoint: z.string().min(1).max(100),
	completion_window: z.string().min(1).max(16),
	metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
	arcnet: z.strictObject({ defer: z.boolean().optional() }).optional(),
});
