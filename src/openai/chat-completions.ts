/**
 * POST /v1/chat/completions: validate, route, submit the job to a zone, and
 * relay its output as one `chat.completion` JSON or as SSE chunks. Headers
 * x-arcnet-zone, x-arcnet-node, x-arcnet-job-id and x-arcnet-route say where
 * the job ran and why.
 */
import type { Context } from "hono";
import { randomId } from "../auth/crypto.js";
import type { AppEnv } from "../http/app-env.js";
import { jsonBody } from "../http/validation.js";
import type { InferenceRequest } from "../protocol/agent-wire.js";
import { type ChatCompletionRequest, chatCompletion, chatCompletionRequestSchema } from "../protocol/openai.js";
import { dispatchJob } from "../routing/dispatch.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { firstAvailableRouter } from "../routing/router.js";
import { jobErrorToApiError } from "./job-errors.js";
import { awaitFirstOutput, outputEvents } from "./job-output.js";
import { chatCompletionSse, toUsage } from "./sse.js";

/** The part of the client's body a node needs to run the job. */
export function toInferenceRequest(body: ChatCompletionRequest): InferenceRequest {
	const maxTokens = body.max_tokens ?? body.max_completion_tokens;
	const stop = typeof body.stop === "string" ? [body.stop] : (body.stop ?? undefined);
	return {
		messages: body.messages,
		...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
		...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
		...(body.top_p !== undefined ? { top_p: body.top_p } : {}),
		...(stop !== undefined ? { stop } : {}),
		...(body.seed !== undefined ? { seed: body.seed } : {}),
	};
}

/** Handles one chat completion request end to end. */
export async function chatCompletionsHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, chatCompletionRequestSchema);
	const receivedAt = Date.now();
	const jobId = randomId("job_");
	const stream = body.stream === true;
	const tenantId = c.get("tenantId");

	const dispatched = await dispatchJob(
		c.env,
		firstAvailableRouter,
		{ model: body.model, tenantId, options: body.arcnet, cf: c.req.raw.cf },
		{ jobId, tenantId, model: body.model, request: toInferenceRequest(body), stream, receivedAt },
	);
	let settled = false;
	const cancelJob = () => {
		if (settled) return;
		settled = true;
		const cancel = geozoneStub(c.env, dispatched.zoneId)
			.cancel(dispatched.zoneId, jobId)
			.catch((err: unknown) => console.error(`cancel of ${jobId} failed`, err));
		c.executionCtx.waitUntil(cancel);
	};
	// A client that disconnects while the job is queued should free its slot.
	c.req.raw.signal.addEventListener("abort", cancelJob, { once: true });

	const started = await awaitFirstOutput(dispatched.stream);
	const headers: Record<string, string> = {
		"x-arcnet-zone": dispatched.zoneId,
		"x-arcnet-job-id": jobId,
		"x-arcnet-route": dispatched.explanation,
		...(started.nodeId ? { "x-arcnet-node": started.nodeId } : {}),
	};
	if (started.first.type === "error") {
		settled = true;
		const error = jobErrorToApiError(started.first);
		return Response.json(error.toBody(), { status: error.status, headers });
	}
	const created = Math.floor(receivedAt / 1000);
	const id = `chatcmpl-${jobId.slice(4)}`;
	if (stream) {
		const sse = chatCompletionSse(outputEvents(started), {
			id,
			model: body.model,
			created,
			includeUsage: body.stream_options?.include_usage === true,
			onCancel: cancelJob,
			onSettled: () => {
				settled = true;
			},
		});
		return new Response(sse, {
			headers: { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
		});
	}
	let content = "";
	for await (const event of outputEvents(started)) {
		settled = event.type !== "delta";
		if (event.type === "delta") content += event.text;
		else if (event.type === "error") {
			const error = jobErrorToApiError(event);
			return Response.json(error.toBody(), { status: error.status, headers });
		} else {
			const completion = chatCompletion({
				id,
				model: body.model,
				created,
				content,
				finishReason: event.finishReason,
				usage: toUsage(event.usage),
			});
			return Response.json(completion, { headers });
		}
	}
	// outputEvents always ends with done or error; this is unreachable but keeps the types honest.
	throw new Error("job output ended without a terminal event");
}
