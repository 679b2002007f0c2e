/**
 * The job object of the async jobs API (POST/GET/DELETE /v1/jobs and the
 * webhook body): built from the zone's view of the job. The result is a full
 * OpenAI `chat.completion` with usage and the `arcnet` summary; errors use
 * OpenAI's `{message,type,code}` shape. Pure, so the zone can build the same
 * JSON for its webhook.
 */
import { type JsonObject, withEdgeIdentity } from "./json-value.js";
import { chatCompletion, type FinishReason } from "./openai.js";
import { routingDecisionSchema } from "./routing-decision.js";

/** An async job as the zone holds it (jobObject turns it into the API's job object). */
export interface AsyncJobView {
	jobId: string;
	zoneId: string;
	model: string;
	/** The zone's status; `leased` shows as running in the API. */
	status: "queued" | "leased" | "running" | "succeeded" | "failed" | "cancelled" | "expired";
	attempts: number;
	nodeId: string | null;
	/** Epoch ms. */
	receivedAt: number;
	finishedAt: number | null;
	/** When the job is forgotten (epoch ms): finished + JOB_RETENTION_MS, or the queue deadline before that. */
	expiresAt: number;
	/** The backend's whole response, when succeeded on a backend that answers in OpenAI's shape (ADR 0016). */
	response: JsonObject | null;
	/** The output text, when succeeded. */
	output: string | null;
	finishReason: string | null;
	usage: { prompt_tokens: number; completion_tokens: number } | null;
	error: { code: string; message: string } | null;
	/** energySource: absent in records kept from before energy was measured (read as estimated). */
	estimate: { energyJ: number; gco2: number; gpuClass: string; energySource?: "measured" | "estimated" } | null;
	/** The stored routing decision JSON (for the result's `arcnet` summary). */
	routing: string;
}

/** The API's statuses: the zone's `leased` (a node holds it, no output yet) shows as running. */
export type ApiJobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "expired";

/** The job object as the API answers it. */
export interface JobObject {
	id: string;
	object: "job";
	status: ApiJobStatus;
	model: string;
	/** Unix seconds. */
	created_at: number;
	/** Unix seconds: when the job and its result are forgotten. */
	expires_at: number;
	zone: string;
	attempts: number;
	/** The same answer a synchronous request gets: the backend's response (or one built from text), with `arcnet`. */
	result: Record<string, unknown> | null;
	error: { message: string; type: string; code: string } | null;
}

/** The job object of a view. */
export function jobObject(view: AsyncJobView): JobObject {
	const status: ApiJobStatus = view.status === "leased" ? "running" : view.status;
	return {
		id: view.jobId,
		object: "job",
		status,
		model: view.model,
		created_at: Math.floor(view.receivedAt / 1000),
		expires_at: Math.floor(view.expiresAt / 1000),
		zone: view.zoneId,
		attempts: view.attempts,
		result: status === "succeeded" ? result(view) : null,
		error: view.error && status !== "succeeded" ? errorOf(status, view.error) : null,
	};
}

/** The object right after acceptance (nothing read back from the zone yet). */
export function queuedJobObject(args: {
	id: string;
	model: string;
	zoneId: string;
	receivedAt: number;
	expiresAt: number;
}): JobObject {
	return {
		id: args.id,
		object: "job",
		status: "queued",
		model: args.model,
		created_at: Math.floor(args.receivedAt / 1000),
		expires_at: Math.floor(args.expiresAt / 1000),
		zone: args.zoneId,
		attempts: 0,
		result: null,
		error: null,
	};
}

function result(view: AsyncJobView): Record<string, unknown> {
	const created = Math.floor((view.finishedAt ?? view.receivedAt) / 1000);
	if (view.response) {
		const prefix = view.response.object === "text_completion" ? "cmpl-" : "chatcmpl-";
		return { ...withEdgeIdentity(view.response, `${prefix}${view.jobId.slice(4)}`, created), arcnet: arcnet(view) };
	}
	const usage = view.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
	const completion = chatCompletion({
		id: `chatcmpl-${view.jobId.slice(4)}`,
		model: view.model,
		created,
		content: view.output ?? "",
		finishReason: (view.finishReason ?? "stop") as FinishReason,
		usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
	});
	return { ...completion, arcnet: arcnet(view) };
}

function arcnet(view: AsyncJobView) {
	const parsed = routingDecisionSchema.safeParse(safeJson(view.routing));
	const decision = parsed.success ? parsed.data : null;
	const chosen = decision?.candidates.find((c) => c.zoneId === view.zoneId);
	return {
		zone: view.zoneId,
		node: view.nodeId,
		job_id: view.jobId,
		policy: decision?.policy ?? null,
		est_latency_ms: chosen ? Math.round(chosen.estLatencyMs) : null,
		gco2_per_kwh: chosen?.gco2PerKwh ?? null,
		carbon_source: chosen?.carbonSource ?? null,
		energy_j: view.estimate?.energyJ ?? null,
		gco2: view.estimate?.gco2 ?? null,
		gpu_class: view.estimate?.gpuClass ?? null,
		energy_source: view.estimate ? (view.estimate.energySource ?? "estimated") : null,
		estimated: view.estimate?.energySource !== "measured",
	};
}

function errorOf(status: ApiJobStatus, error: { code: string; message: string }) {
	const type = status === "failed" ? "upstream_error" : "invalid_request_error";
	return { message: error.message, type, code: error.code };
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}
