/**
 * Per node families: the GPU readings, slots and tokens/s each live node last
 * reported, labelled by zone, node id and GPU index. A reading the GPU did not
 * give (nvidia-smi's [N/A]) is left out rather than written as 0.
 */
import type { NodeMetrics } from "../../durable-objects/geozone/metrics/contract.js";
import type { MetricFamily, Sample } from "../protocol/prometheus-text.js";
import type { ScrapedZone } from "./collect.js";

type Gpu = NodeMetrics["gpus"][number];

const MIB = 1024 * 1024;

const GPU_GAUGES: readonly { name: string; help: string; read: (gpu: Gpu) => number | null }[] = [
	{ name: "arcnet_node_gpu_utilization_percent", help: "GPU utilisation (%).", read: (g) => g.utilizationPct },
	{
		name: "arcnet_node_gpu_memory_used_bytes",
		help: "GPU memory in use (bytes).",
		read: (g) => (g.memoryUsedMiB === null ? null : g.memoryUsedMiB * MIB),
	},
	{
		name: "arcnet_node_gpu_memory_total_bytes",
		help: "GPU memory in all (bytes).",
		read: (g) => (g.memoryTotalMiB === null ? null : g.memoryTotalMiB * MIB),
	},
	{ name: "arcnet_node_gpu_temperature_celsius", help: "GPU temperature (°C).", read: (g) => g.temperatureC },
	{ name: "arcnet_node_gpu_power_watts", help: "GPU power draw (W).", read: (g) => g.powerDrawW },
	{ name: "arcnet_node_gpu_power_limit_watts", help: "GPU power limit (W).", read: (g) => g.powerLimitW },
];

/** The node-level families of a scrape. */
export function nodeFamilies(zones: readonly ScrapedZone[]): MetricFamily[] {
	const nodes = zones.flatMap((z) => (z.metrics?.nodes ?? []).map((node) => ({ zone: z.row.id, node })));
	const perNode = (read: (n: NodeMetrics) => number): Sample[] =>
		nodes.map(({ zone, node }) => ({ labels: { zone, node: node.nodeId }, value: read(node) }));
	return [
		{ name: "arcnet_node_slots", help: "Job slots the node offers.", type: "gauge", samples: perNode((n) => n.slots) },
		{
			name: "arcnet_node_tokens_per_second",
			help: "Output tokens per second the node last reported.",
			type: "gauge",
			samples: perNode((n) => n.tokensPerSecond),
		},
		{
			name: "arcnet_node_telemetry_age_seconds",
			help: "Seconds since the node's last telemetry.",
			type: "gauge",
			samples: perNode((n) => n.telemetryAgeS),
		},
		...GPU_GAUGES.map(
			({ name, help, read }): MetricFamily => ({
				name,
				help,
				type: "gauge",
				samples: nodes.flatMap(({ zone, node }) =>
					node.gpus.flatMap((gpu) => {
						const value = read(gpu);
						return value === null ? [] : [{ labels: { zone, node: node.nodeId, gpu: String(gpu.index) }, value }];
					}),
				),
			}),
		),
	];
}
