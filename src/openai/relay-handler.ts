/**
 * One handler for every relayed OpenAI endpoint (chat/completions,
 * completions, embeddings): validate, route, submit the job to a zone, and
 * relay its output as the backend gave it, as JSON or as SSE (ADR 0016). The
 * x-arcnet-* headers and the `arcnet` object (routing-headers.ts) say where
 * the job ran, why, and its estimated energy and carbon. A streamed answer's
 * headers go out once a zone accepts the job (early-sse.ts, ADR 0026), so
 * they name only the policy; where it ran is in the final chunk's `arcnet`.
 */
import type { Context } from "hono";
import type { z } from "zod";
import { randomId } from "../auth/crypto.js";
import { recordEvent } from "../db/events.js";
import type { AppEnv } from "../http/app-env.js";
import { jsonBody } from "../http/validation.js";
import { requireAdmission } from "../limits/middleware.js";
import type { Endpoint } from "../protocol/chat-request.js";
import { type OutputEvent, outputEvents } from "../protocol/job-stream-reader.js";
import { log } from "../protocol/log-line.js";
import type { ArcnetOptions } from "../protocol/openai.js";
import { clientLocation } from "../routing/client-location.js";
import { type Dispatched, dispatchJob } from "../routing/dispatch.js";
import { failoverEvent } from "../routing/failover-event.js";
import { geozoneStub } from "../routing/geozone-stub.js";
import { formatPolicy } from "../routing/policy.js";
import { requestPreferences } from "../routing/request-preferences.js";
import { assertModelKnown } from "../routing/request-targets.js";
import { requestTimeoutMs } from "../routing/request-timeout.js";
import { policyRouter } from "../routing/router.js";
import { zoneDirectory } from "../routing/zone-directory.js";
import { contentInputs, refuseUnservedInputs } from "./content-inputs.js";
import { earlySse, sseErrorStream, sseKeepAliveMs } from "./early-sse.js";
import { endpointPolicy } from "./endpoint-policy.js";
import { jobErrorBody, jobErrorToApiError } from "./job-errors.js";
import { relayedJson } from "./relay-json.js";
import { responseIdPrefix, toInferenceRequest } from "./relay-request.js";
import { relayedChunkSse } from "./relay-sse.js";
import { acceptedHeaders, arcnetSummary, routingHeaders } from "./routing-headers.js";
import { chatCompletionSse, type SseOptions } from "./sse.js";

type DoneEvent = Extract<OutputEvent, { type: "done" }>;

/** The fields of a relayed body the edge itself reads. */
type RelayedBody = Record<string, unknown> & {
	model: string;
	arcnet?: ArcnetOptions | undefined;
	stream?: boolean | null | undefined;
	stream_options?: { include_usage?: boolean | undefined } | null | undefined;
	max_tokens?: number | undefined;
	max_completion_tokens?: number | undefined;
};

/** A Hono handler relaying `POST /v1/{endpoint}` bodies valid under `schema`. */
export function relayHandler<S extends z.ZodType<RelayedBody>>(endpoint: Endpoint, schema: S) {
	return async (c: Context<AppEnv>): Promise<Response> => {
		const body: RelayedBody = await jsonBody(c, schema);
		const receivedAt = Date.now();
		const jobId = randomId("job_");
		// Embeddings have no stream; a `stream` field there is the backend's to judge.
		const stream = body.stream === true && endpoint !== "embeddings";
		const tenantId = c.get("tenantId");
		const trace = c.get("trace");

		const preferences = endpointPolicy(
			endpoint,
			await requestPreferences(c.env, c.req.raw.headers, body.arcnet, c.get("client"), body.model),
		);
		const timeoutMs = requestTimeoutMs(c.env, c.req.raw.headers, body.arcnet);
		// Read before anything is submitted: a bad var then fails the request, not a job already queued.
		const keepAliveMs = stream ? sseKeepAliveMs(c.env) : 0;
		const expectedTokens = body.max_tokens ?? body.max_completion_tokens;
		// Image and audio parts go only where a node takes them; none anywhere is a 400 naming the part.
		const inputs = Array.isArray(body.messages) ? contentInputs(body.messages as { content?: unknown }[]) : [];
		if (inputs.length > 0) refuseUnservedInputs(await zoneDirectory(c.env), body.model, inputs);
		const context = {
			model: body.model,
			endpoint,
			inputs: inputs.map((i) => i.modality),
			tenantId,
			client: clientLocation(c.req.raw.cf, c.env),
			...preferences,
			...(expectedTokens !== undefined ? { expectedTokens } : {}),
		};

		// The attempt the client is waiting on; a retry in another zone replaces it.
		let current: { zoneId: string; jobId: string } | null = null;
		let settled = false;
		let cancelledId: string | null = null;
		const cancelJob = () => {
			if (settled || !current || cancelledId === current.jobId) return;
			const { zoneId, jobId: attemptId } = current;
			cancelledId = attemptId;
			const cancel = geozoneStub(c.env, zoneId)
				.cancel(zoneId, attemptId)
				.catch((error: unknown) =>
					log("error", "job_cancel_failed", {
						job: attemptId,
						zone: zoneId,
						tenant: tenantId,
						trace: trace.traceId,
						error,
					}),
				);
			c.executionCtx.waitUntil(cancel);
		};
		// The client left: request.signal, or a failed write of an early SSE body (local workerd fires no signal).
		const left = new AbortController();
		left.signal.addEventListener("abort", cancelJob, { once: true });
		c.req.raw.signal.addEventListener("abort", () => left.abort(), { once: true });
		let markAccepted = () => {};
		const accepted = new Promise<void>((resolve) => {
			markAccepted = resolve;
		});

		// The key's limits were asked when the request arrived; nothing is submitted before they admit it.
		await requireAdmission(c);
		await assertModelKnown(c.env, body.model);

		const dispatching = dispatchJob(
			c.env,
			policyRouter,
			context,
			{
				jobId,
				tenantId,
				model: body.model,
				requestJson: JSON.stringify(toInferenceRequest(endpoint, body)),
				stream,
				receivedAt,
				traceparent: trace.traceparent,
				...(timeoutMs !== undefined ? { timeoutMs } : {}),
			},
			{
				nextJobId: () => randomId("job_"),
				onAccepted: (zoneId, attemptId) => {
					current = { zoneId, jobId: attemptId };
					markAccepted();
					if (left.signal.aborted) cancelJob();
				},
				signal: left.signal,
			},
		).then((dispatched) => {
			const failover = failoverEvent(dispatched);
			if (failover) c.executionCtx.waitUntil(recordEvent(c.env, failover));
			const started = dispatched.started;
			c.set("jobStarted", started.first.type !== "error");
			if (started.first.type === "error") settled = true;
			log(started.first.type === "error" ? "warn" : "info", "job_answered", {
				job: dispatched.jobId,
				zone: dispatched.zoneId,
				node: started.nodeId ?? undefined,
				tenant: tenantId,
				trace: trace.traceId,
				span: trace.spanId,
				model: body.model,
				endpoint,
				stream,
				attempt: started.attempt,
				outcome: started.first.type === "error" ? started.first.code : "started",
			});
			return dispatched;
		});
		const created = Math.floor(receivedAt / 1000);
		const responseId = (dispatched: Dispatched) => `${responseIdPrefix(endpoint)}${dispatched.jobId.slice(4)}`;
		const onSettled = () => {
			settled = true;
		};

		if (stream) {
			// Refusals before a zone accepted the job keep their status (thrown here); after it, the 200 goes out.
			await Promise.race([accepted, dispatching]);
			const sse = earlySse(
				dispatching.then((dispatched) =>
					streamedAnswer(dispatched, {
						id: responseId(dispatched),
						model: body.model,
						created,
						includeUsage: body.stream_options?.include_usage === true,
						onCancel: cancelJob,
						onSettled,
						finalFields: (done: DoneEvent) => {
							c.set("jobUsage", done.usage); // the limits middleware settles the daily tokens with it
							return { arcnet: arcnetSummary(dispatched, done.estimate) };
						},
					}),
				),
				{ keepAliveMs, onLeft: () => left.abort() },
			);
			// Where the job runs may change before its first output (failover): the final chunk's `arcnet` says it.
			return new Response(sse, {
				headers: {
					...acceptedHeaders(formatPolicy(context.policy)),
					"content-type": "text/event-stream; charset=utf-8",
					"cache-control": "no-cache",
				},
			});
		}

		const dispatched = await dispatching;
		const headers = routingHeaders(dispatched);
		const started = dispatched.started;
		if (started.first.type === "error") {
			const error = jobErrorToApiError(started.first);
			return Response.json(error.toBody(), { status: error.status, headers: { ...headers, ...error.headers } });
		}
		return relayedJson(c, outputEvents(started), {
			endpoint,
			id: responseId(dispatched),
			created,
			model: body.model,
			dispatched,
			headers,
			onSettled,
		});
	};
}

/** The SSE body from the job's first output: its error event, its relayed chunks, or chunks built from its text. */
function streamedAnswer(dispatched: Dispatched, options: SseOptions): ReadableStream<Uint8Array> {
	const first = dispatched.started.first;
	// Beside the error, where the job ran and its id, as the final chunk of an answer would say.
	if (first.type === "error")
		return sseErrorStream({ ...jobErrorBody(first), arcnet: arcnetSummary(dispatched, undefined) });
	const events = outputEvents(dispatched.started);
	// A backend that speaks OpenAI sends chunks, relayed as they came; the simulated one sends text.
	return first.type === "delta" && first.chunk !== undefined
		? relayedChunkSse(events, options)
		: chatCompletionSse(events, options);
}
