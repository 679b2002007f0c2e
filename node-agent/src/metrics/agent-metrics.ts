/**
 * The agent's own metrics, kept as plain numbers and rendered with the edge's
 * Prometheus text writer (docs/adr/0021-metrics-text-writer.md): jobs running
 * and finished, tokens, backend errors, channel reconnects and state, and the
 * GPU readings of the last telemetry. Labels are bounded: an outcome, an
 * error code from the wire protocol's enumeration, a GPU index.
 */
import { type MetricFamily, renderPrometheusText } from "../../../src/protocol/prometheus-text.js";
import type { JobOutcome } from "../job-runner.js";
import type { ExportCounts } from "../tracing/otlp-exporter.js";
import type { LoopStatus } from "../work-loop.js";

/** How a finished job is counted. */
export type FinishedOutcome = "succeeded" | "failed" | "cancelled" | "released";

const MIB = 1024 * 1024;

/** Counters and the last status; fed by the work loop and the channel, read by the metrics server. */
export class AgentMetrics {
	readonly #finished = new Map<FinishedOutcome, number>();
	readonly #backendErrors = new Map<string, number>();
	#outputTokens = 0;
	#channelOpens = 0;
	#channelUp = false;
	#status: LoopStatus | null = null;
	#spans: (() => ExportCounts) | null = null;

	/** Reads the span exporter's counts at each scrape (--otlp-endpoint); without it no span series is written. */
	spanCounts(read: () => ExportCounts): void {
		this.#spans = read;
	}

	/** Counts a job the backend run ended; a failure also counts as a backend error under its code. */
	jobEnded(outcome: JobOutcome): void {
		const counted: FinishedOutcome =
			outcome.kind === "done"
				? "succeeded"
				: outcome.kind === "failed"
					? "failed"
					: outcome.reason === "shutdown"
						? "released"
						: "cancelled";
		this.#finished.set(counted, (this.#finished.get(counted) ?? 0) + 1);
		if (outcome.kind === "failed") {
			this.#backendErrors.set(outcome.code, (this.#backendErrors.get(outcome.code) ?? 0) + 1);
		}
	}

	/** Adds output tokens streamed. */
	tokens(n: number): void {
		this.#outputTokens += n;
	}

	/** The channel opened (the first open is a connect, every later one a reconnect). */
	channelOpened(): void {
		this.#channelOpens++;
		this.#channelUp = true;
	}

	/** The channel closed. */
	channelClosed(): void {
		this.#channelUp = false;
	}

	/** Keeps the work loop's status of the last telemetry tick (the gauges read it). */
	status(status: LoopStatus): void {
		this.#status = status;
	}

	#spanFamilies(): MetricFamily[] {
		const counts = this.#spans?.();
		if (!counts) return [];
		const counter = (name: string, help: string, value: number): MetricFamily => ({
			name,
			help,
			type: "counter",
			samples: [{ labels: {}, value }],
		});
		return [
			counter("arcnet_agent_spans_exported_total", "Spans the OTLP collector accepted.", counts.exported),
			counter("arcnet_agent_spans_dropped_total", "Spans dropped: queue full or collector failing.", counts.dropped),
		];
	}

	/** The metric families now. */
	families(): MetricFamily[] {
		const telemetry = this.#status?.telemetry;
		const gpus = telemetry?.gpus ?? [];
		const perGpu = (read: (gpu: (typeof gpus)[number]) => number | null) =>
			gpus.flatMap((gpu) => {
				const value = read(gpu);
				return value === null ? [] : [{ labels: { gpu: String(gpu.index) }, value }];
			});
		const outcomes: FinishedOutcome[] = ["succeeded", "failed", "cancelled", "released"];
		return [
			...this.#spanFamilies(),
			gauge("arcnet_agent_jobs_running", "Jobs running on the backend now.", this.#status?.running.length ?? 0),
			{
				name: "arcnet_agent_jobs_finished_total",
				help: "Jobs finished: succeeded, failed (on the backend), cancelled, released (handed back at shutdown).",
				type: "counter",
				samples: outcomes.map((outcome) => ({ labels: { outcome }, value: this.#finished.get(outcome) ?? 0 })),
			},
			gauge(
				"arcnet_agent_tokens_per_second",
				"Output tokens/s over the last telemetry interval.",
				telemetry?.tokensPerSecond ?? 0,
			),
			{
				name: "arcnet_agent_output_tokens_total",
				help: "Output tokens streamed.",
				type: "counter",
				samples: [{ labels: {}, value: this.#outputTokens }],
			},
			{
				name: "arcnet_agent_backend_errors_total",
				help: "Jobs the inference server failed, by error code.",
				type: "counter",
				samples: [...this.#backendErrors].map(([code, value]) => ({ labels: { code }, value })),
			},
			{
				name: "arcnet_agent_reconnects_total",
				help: "Channel connections opened after the first.",
				type: "counter",
				samples: [{ labels: {}, value: Math.max(0, this.#channelOpens - 1) }],
			},
			gauge("arcnet_agent_channel_up", "1 while the WebSocket channel to the zone is open.", this.#channelUp ? 1 : 0),
			gauge(
				"arcnet_agent_edge_connected",
				"1 while the edge accepts this node's calls.",
				this.#status?.connection === "connected" ? 1 : 0,
			),
			{
				name: "arcnet_agent_gpu_utilization_percent",
				help: "GPU utilisation (%).",
				type: "gauge",
				samples: perGpu((g) => g.utilizationPct),
			},
			{
				name: "arcnet_agent_gpu_memory_used_bytes",
				help: "GPU memory in use (bytes).",
				type: "gauge",
				samples: perGpu((g) => (g.memoryUsedMiB === null ? null : g.memoryUsedMiB * MIB)),
			},
			{
				name: "arcnet_agent_gpu_temperature_celsius",
				help: "GPU temperature (°C).",
				type: "gauge",
				samples: perGpu((g) => g.temperatureC),
			},
			{
				name: "arcnet_agent_gpu_power_watts",
				help: "GPU power draw (W).",
				type: "gauge",
				samples: perGpu((g) => g.powerDrawW),
			},
		];
	}

	/** The text a scrape answers. */
	render(): string {
		return renderPrometheusText(this.families());
	}
}

function gauge(name: string, help: string, value: number): MetricFamily {
	return { name, help, type: "gauge", samples: [{ labels: {}, value }] };
}
