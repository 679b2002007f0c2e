/**
 * Puts the routing decision on every chat completion response: the
 * `x-arcnet-*` headers (where the job ran, why, and the estimates it was
 * routed on) and the `arcnet` object added to the JSON body or the final SSE
 * chunk (adding energy and carbon once the job is done). Energy and gCO2 are
 * estimates (durable-objects/energy/), not meter readings.
 */
import type { JobStreamEstimate } from "../protocol/job-stream.js";
import type { Dispatched } from "../routing/dispatch.js";

/** Headers naming the zone, node, job, policy, the chosen zone's estimates and the route explanation. */
export function routingHeaders(dispatched: Dispatched): Record<string, string> {
	const chosen = dispatched.decision.candidates.find((c) => c.zoneId === dispatched.zoneId);
	return {
		"x-arcnet-zone": dispatched.zoneId,
		"x-arcnet-job-id": dispatched.jobId,
		"x-arcnet-policy": dispatched.strategy,
		"x-arcnet-route": dispatched.explanation,
		...(chosen
			? {
					"x-arcnet-est-latency-ms": String(Math.round(chosen.estLatencyMs)),
					"x-arcnet-gco2-per-kwh": String(Math.round(chosen.gco2PerKwh * 10) / 10),
				}
			: {}),
		...(dispatched.started.nodeId ? { "x-arcnet-node": dispatched.started.nodeId } : {}),
	};
}

/**
 * The headers of a streamed answer, sent when a zone accepts its job: only what
 * stays true if the job then fails over to another zone before its first output.
 */
export function acceptedHeaders(strategy: string): Record<string, string> {
	return { "x-arcnet-policy": strategy };
}

/** x-arcnet-energy-j and x-arcnet-gco2 for a finished job; none without an estimate. */
export function estimateHeaders(estimate: JobStreamEstimate | undefined): Record<string, string> {
	if (!estimate) return {};
	return { "x-arcnet-energy-j": formatFigure(estimate.energyJ), "x-arcnet-gco2": formatFigure(estimate.gco2) };
}

/** The `arcnet` object of the response body or final chunk; energy_j / gco2 are null without an estimate. */
export function arcnetSummary(dispatched: Dispatched, estimate: JobStreamEstimate | undefined) {
	const chosen = dispatched.decision.candidates.find((c) => c.zoneId === dispatched.zoneId);
	return {
		zone: dispatched.zoneId,
		node: dispatched.started.nodeId,
		job_id: dispatched.jobId,
		policy: dispatched.strategy,
		/** The route explanation, as x-arcnet-route gives it on an unstreamed answer. */
		route: dispatched.explanation,
		est_latency_ms: chosen ? Math.round(chosen.estLatencyMs) : null,
		gco2_per_kwh: chosen ? chosen.gco2PerKwh : null,
		carbon_source: chosen ? chosen.carbonSource : null,
		/** GPU energy (J) of this job, measured on its node or estimated (energy_source), and its emissions (gCO2eq). */
		energy_j: estimate ? Number(formatFigure(estimate.energyJ)) : null,
		gco2: estimate ? Number(formatFigure(estimate.gco2)) : null,
		gpu_class: estimate?.gpuClass ?? null,
		energy_source: estimate ? (estimate.energySource ?? "estimated") : null,
		/** False only when the energy was measured; gco2 always applies the zone's intensity to it. */
		estimated: estimate?.energySource !== "measured",
	};
}

/** Up to 4 significant digits, plain decimal (no exponent) so headers parse as numbers everywhere. */
function formatFigure(value: number): string {
	if (!Number.isFinite(value) || value === 0) return "0";
	const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value))));
	return String(Number(value.toFixed(Math.min(digits, 12))));
}
