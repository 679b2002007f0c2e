/**
 * POST /v1/chat/completions: validate, route, submit the job to a zone, and
 * relay its output as one `chat.completion` JSON or as SSE chunks. The
 * x-arcnet-* headers and the `arcnet` object (routing-headers.ts) say where
 * the job ran, why, and its estimated energy and carbon.
 */
import type { Context } from "hono";
import { randomId } from "../auth/crypto.js";
import { recordEvent } from "../db/events.js";
import type { AppEnv } from "../http/app-env.js";
import { jsonBody } from "../http/validation.js";
import { requireAdmission } from "../limits/middleware.js";
import { toInferenceRequest } from "../protocol/inference-request.js";
import { outputEvents } from "../protocol/job-stream-reader.js";
import { chatCompletion, chatCompletionRequestSchema } from "../protocol/openai.js";
import { clientLocation } from "../routing/client-location.js";
import { dispatchJob } from "../routing/dispatch.js";
import { failoverEvent } from "../routing/failover-event.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { requestPreferences } from "../routing/request-preferences.js";
import { assertModelKnown } from "../routing/request-targets.js";
import { requestTimeoutMs } from "../routing/request-timeout.js";
import { policyRouter } from "../routing/router.js";
import { zoneDirectory } from "../routing/zone-directory.js";
import { contentInputs, refuseUnservedInputs } from "./content-inputs.js";
import { jobErrorToApiError } from "./job-errors.js";
import { arcnetSummary, estimateHeaders, routingHeaders } from "./routing-headers.js";
import { chatCompletionSse, toUsage } from "./sse.js";

/** Handles one chat completion request end to end. */
export async function chatCompletionsHandler(c: Context<AppEnv>): Promise<Response> {
	const body = await jsonBody(c, chatCompletionRequestSchema);
	const receivedAt = Date.now();
	const jobId = randomId("job_");
	const stream = body.stream === true;
	const tenantId = c.get("tenantId");

	const preferences = await requestPreferences(c.env, c.req.raw.headers, body.arcnet, c.get("client"), body.model);
	const timeoutMs = requestTimeoutMs(c.env, c.req.raw.headers, body.arcnet);
	const expectedTokens = body.max_tokens ?? body.max_completion_tokens;
	const inputs = contentInputs(body.messages);
	if (inputs.length > 0) refuseUnservedInputs(await zoneDirectory(c.env), body.model, inputs);
	const context = {
		model: body.model,
		endpoint: "chat/completions" as const,
		inputs: inputs.map((i) => i.modality),
		tenantId,
		client: clientLocation(c.req.raw.cf, c.env),
		...preferences,
		...(expectedTokens !== undefined ? { expectedTokens } : {}),
	};

	// The attempt the client is waiting on; a retry in another zone replaces it.
	let current: { zoneId: string; jobId: string } | null = null;
	let settled = false;
	const cancelJob = () => {
		if (settled || !current) return;
		settled = true;
		const { zoneId, jobId: attemptId } = current;
		const cancel = geozoneStub(c.env, zoneId)
			.cancel(zoneId, attemptId)
			.catch((err: unknown) => console.error(`cancel of ${attemptId} failed`, err));
		c.executionCtx.waitUntil(cancel);
	};
	// A client that disconnects while the job is queued should free its slot.
	c.req.raw.signal.addEventListener("abort", cancelJob, { once: true });

	// The key's limits were asked when the request arrived; nothing is submitted before they admit it.
	await requireAdmission(c);
	await assertModelKnown(c.env, body.model);

	const dispatched = await dispatchJob(
		c.env,
		policyRouter,
		context,
		{
			jobId,
			tenantId,
			model: body.model,
			requestJson: JSON.stringify(toInferenceRequest(body)),
			stream,
			receivedAt,
			...(timeoutMs !== undefined ? { timeoutMs } : {}),
		},
		{
			nextJobId: () => randomId("job_"),
			onAccepted: (zoneId, attemptId) => {
				current = { zoneId, jobId: attemptId };
				if (c.req.raw.signal.aborted) cancelJob();
			},
			signal: c.req.raw.signal,
		},
	);
	const failover = failoverEvent(dispatched);
	if (failover) c.executionCtx.waitUntil(recordEvent(c.env, failover));
	const started = dispatched.started;
	const headers = routingHeaders(dispatched);
	c.set("jobStarted", started.first.type !== "error");
	if (started.first.type === "error") {
		settled = true;
		const error = jobErrorToApiError(started.first);
		return Response.json(error.toBody(), { status: error.status, headers: { ...headers, ...error.headers } });
	}
	const created = Math.floor(receivedAt / 1000);
	const id = `chatcmpl-${dispatched.jobId.slice(4)}`;
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
			finalFields: (done) => {
				c.set("jobUsage", done.usage); // the limits middleware settles the daily tokens with it
				return { arcnet: arcnetSummary(dispatched, done.estimate) };
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
			return Response.json(error.toBody(), { status: error.status, headers: { ...headers, ...error.headers } });
		} else {
			c.set("jobUsage", event.usage); // the limits middleware settles the daily tokens with it
			const completion = chatCompletion({
				id,
				model: body.model,
				created,
				content,
				finishReason: event.finishReason,
				usage: toUsage(event.usage),
			});
			const summary = { ...completion, arcnet: arcnetSummary(dispatched, event.estimate) };
			return Response.json(summary, { headers: { ...headers, ...estimateHeaders(event.estimate) } });
		}
	}
	// outputEvents always ends with done or error; this is unreachable but keeps the types honest.
	throw new Error("job output ended without a terminal event");
}
