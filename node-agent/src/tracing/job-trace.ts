/**
 * One job's part of its trace: the job's span (parent: the edge's span from
 * the lease's traceparent) and a child span for the backend request, whose
 * traceparent the backend is sent. A job leased without one (an older edge)
 * starts a trace of its own, so its log lines still carry a trace id. The
 * spans carry ids, model, tokens and outcome, never the prompt or output.
 */
import type { LeasedJob } from "../../../src/protocol/agent-wire.js";
import { formatTraceparent, newSpanId, newTrace, parseTraceparent } from "../../../src/protocol/trace-context.js";
import type { OtlpExporter } from "./otlp-exporter.js";
import type { SpanRecord } from "./otlp-json.js";

/** Where a node's spans go, and the ids every span of the node carries. */
export interface JobTracing {
	exporter: Pick<OtlpExporter, "add">;
	zoneId: string;
	nodeId: string;
	backend: string;
}

/** How the job ended, for its span. */
export interface JobEnd {
	outcome: string;
	detail?: string | undefined;
	inputTokens?: number | undefined;
	outputTokens?: number | undefined;
	/** True when the job failed (its span's status is then error). */
	failed: boolean;
}

export class JobTrace {
	readonly traceId: string;
	readonly flags: string;
	readonly parentSpanId: string | undefined;
	readonly spanId = newSpanId();
	readonly backendSpanId = newSpanId();
	readonly #startMs = Date.now();
	#backendStartMs: number | null = null;
	#backendEndMs: number | null = null;

	constructor(
		readonly job: Pick<LeasedJob, "jobId" | "attempt" | "model" | "traceparent">,
		readonly tracing?: JobTracing,
	) {
		const parsed = job.traceparent ? parseTraceparent(job.traceparent) : null;
		const parent = parsed && !("error" in parsed) ? parsed : null;
		const context = parent ?? newTrace();
		this.traceId = context.traceId;
		this.flags = context.flags;
		this.parentSpanId = parent?.spanId;
	}

	/** The traceparent of the backend request: this trace, the backend span as the callee's parent. */
	backendTraceparent(): string {
		return formatTraceparent({ traceId: this.traceId, spanId: this.backendSpanId, flags: this.flags });
	}

	backendStarted(): void {
		this.#backendStartMs = Date.now();
	}

	backendEnded(): void {
		this.#backendEndMs ??= Date.now();
	}

	/** Ends both spans and queues them for export (a no-op without --otlp-endpoint). */
	end(end: JobEnd): void {
		const tracing = this.tracing;
		if (!tracing) return;
		const now = Date.now();
		const ids = {
			"arcnet.job.id": this.job.jobId,
			"arcnet.job.attempt": this.job.attempt,
			"arcnet.zone.id": tracing.zoneId,
			"arcnet.node.id": tracing.nodeId,
			"gen_ai.request.model": this.job.model,
		};
		const status: SpanRecord["status"] = end.failed
			? { code: "error", message: end.detail ?? end.outcome }
			: { code: "ok" };
		if (this.#backendStartMs !== null) {
			tracing.exporter.add({
				traceId: this.traceId,
				spanId: this.backendSpanId,
				parentSpanId: this.spanId,
				name: `backend ${tracing.backend}`,
				kind: "client",
				startMs: this.#backendStartMs,
				endMs: this.#backendEndMs ?? now,
				attributes: { ...ids, "arcnet.backend": tracing.backend },
				status,
			});
		}
		tracing.exporter.add({
			traceId: this.traceId,
			spanId: this.spanId,
			parentSpanId: this.parentSpanId,
			name: "arcnet.job",
			kind: "consumer",
			startMs: this.#startMs,
			endMs: now,
			attributes: {
				...ids,
				"arcnet.job.outcome": end.outcome,
				"arcnet.job.outcome_detail": end.detail,
				"gen_ai.usage.input_tokens": end.inputTokens,
				"gen_ai.usage.output_tokens": end.outputTokens,
			},
			status,
		});
	}
}
