/**
 * The JSON answer of an unstreamed job: the backend's response as it came,
 * with the edge's `id` and `created` and ArcNet's `arcnet` object added
 * (ADR 0016). A job whose node sent only text (the simulated backend) gets a
 * `chat.completion` built from it.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env.js";
import type { Endpoint } from "../protocol/chat-request.js";
import type { OutputEvent } from "../protocol/job-stream-reader.js";
import { chatCompletion } from "../protocol/openai.js";
import type { Dispatched } from "../routing/dispatch.js";
import { jobErrorToApiError } from "./job-errors.js";
import { withEdgeIdentity } from "./relay-request.js";
import { arcnetSummary, estimateHeaders } from "./routing-headers.js";
import { toUsage } from "./sse.js";

/** Identity of the answer and what the headers and `arcnet` object are built from. */
export interface RelayedJsonOptions {
	endpoint: Endpoint;
	id: string;
	created: number;
	/** The requested model, for an answer built from text. */
	model: string;
	dispatched: Dispatched;
	headers: Record<string, string>;
	/** Called once the job's terminal event has been read. */
	onSettled: () => void;
}

/** Reads the job's events to their end and answers with the response or the error. */
export async function relayedJson(
	c: Context<AppEnv>,
	events: AsyncGenerator<OutputEvent>,
	options: RelayedJsonOptions,
): Promise<Response> {
	const { id, created, dispatched, headers } = options;
	let content = "";
	for await (const event of events) {
		if (event.type === "delta") {
			content += event.text;
			continue;
		}
		options.onSettled();
		if (event.type === "error") {
			const error = jobErrorToApiError(event);
			return Response.json(error.toBody(), { status: error.status, headers: { ...headers, ...error.headers } });
		}
		c.set("jobUsage", event.usage); // the limits middleware settles the daily tokens with it
		const arcnet = arcnetSummary(dispatched, event.estimate);
		const answer = event.response
			? withEdgeIdentity(event.response, id, created)
			: chatCompletion({
					id,
					model: options.model,
					created,
					content,
					finishReason: event.finishReason,
					usage: toUsage(event.usage),
				});
		return Response.json({ ...answer, arcnet }, { headers: { ...headers, ...estimateHeaders(event.estimate) } });
	}
	// outputEvents always ends with done or error; this is unreachable but keeps the types honest.
	throw new Error("job output ended without a terminal event");
}
