/**
 * Turns the scraped zones into Prometheus metric families: zone gauges and
 * carbon signal from the directory, counters and histograms from each zone's
 * object (with the `zone` label added), tenant counters summed over zones.
 * Every label is bounded: zone, node and tenant ids, GPU index, and a few
 * fixed enumerations (docs/operations.md lists them).
 */
import { HISTOGRAM_BUCKETS_S, ZONE_COUNTERS, ZONE_HISTOGRAMS } from "../../durable-objects/geozone/metrics/contract.js";
import { histogramSamples, type MetricFamily, type Sample } from "../protocol/prometheus-text.js";
import type { ScrapedZone } from "./collect.js";

/** Help text of each counter a zone keeps; a series not listed here (a newer object) is skipped. */
const COUNTER_HELP: Record<string, string> = {
	[ZONE_COUNTERS.jobs]: "Jobs that ended in the zone, by outcome and error code.",
	[ZONE_COUNTERS.submissions]: "Submissions the zone answered: accepted, or refused by reason.",
	[ZONE_COUNTERS.tokens]: "Prompt (in) and completion (out) tokens of ended jobs.",
	[ZONE_COUNTERS.energy]: "Estimated GPU energy of succeeded jobs (J).",
	[ZONE_COUNTERS.gco2]: "Estimated emissions of succeeded jobs (gCO2eq).",
	[ZONE_COUNTERS.carbonAvoided]: "gCO2eq avoided against routing each job to the nearest zone.",
	[ZONE_COUNTERS.carbonAdded]: "gCO2eq added against routing each job to the nearest zone.",
};

/** Tenant counters: summed over zones, labelled by tenant only. */
const TENANT_HELP: Record<string, string> = {
	[ZONE_COUNTERS.tenantJobs]: "Jobs accepted for the tenant.",
	[ZONE_COUNTERS.tenantTokens]: "Prompt (in) and completion (out) tokens of the tenant's ended jobs.",
};

const HISTOGRAM_HELP: Record<string, string> = {
	[ZONE_HISTOGRAMS.queueWait]: "Time from receipt to the first lease (s).",
	[ZONE_HISTOGRAMS.ttft]: "Time from receipt to the first output token (s).",
	[ZONE_HISTOGRAMS.duration]: "Time from receipt to the job's end, by outcome (s).",
};

function gauge(name: string, help: string, samples: Sample[]): MetricFamily {
	return { name, help, type: "gauge", samples };
}

/** Zone gauges: up, enabled, live nodes, slots, free slots, queue depth, carbon signal and its age. */
function zoneGauges(zones: readonly ScrapedZone[], now: number): MetricFamily[] {
	const per = (pick: (z: ScrapedZone) => number | null | undefined): Sample[] =>
		zones.flatMap((z) => {
			const value = pick(z);
			return value === null || value === undefined ? [] : [{ labels: { zone: z.row.id }, value }];
		});
	return [
		gauge(
			"arcnet_zone_up",
			"1 when the zone's object answered this scrape, else 0.",
			per((z) => (z.metrics ? 1 : 0)),
		),
		gauge(
			"arcnet_zone_enabled",
			"1 when the zone takes new jobs (catalogue).",
			per((z) => (z.row.enabled ? 1 : 0)),
		),
		gauge(
			"arcnet_zone_live_nodes",
			"Live nodes in the zone.",
			per((z) => z.metrics?.liveNodes),
		),
		gauge(
			"arcnet_zone_slots",
			"Job slots of the zone's live nodes.",
			per((z) => z.metrics?.slots),
		),
		gauge(
			"arcnet_zone_free_slots",
			"Free job slots of the zone's live nodes.",
			per((z) => z.metrics?.freeSlots),
		),
		gauge(
			"arcnet_zone_queue_depth",
			"Jobs queued in the zone, waiting for a node.",
			per((z) => z.metrics?.queueDepth),
		),
		gauge(
			"arcnet_zone_carbon_intensity_gco2_per_kwh",
			"The zone's latest carbon signal (gCO2eq/kWh), labelled with its source.",
			zones.flatMap((z) =>
				z.row.signalGco2PerKwh === null
					? []
					: [{ labels: { zone: z.row.id, source: z.row.signalSource ?? "" }, value: z.row.signalGco2PerKwh }],
			),
		),
		gauge(
			"arcnet_zone_carbon_signal_age_seconds",
			"Seconds since the zone's carbon signal was fetched.",
			per((z) => (z.row.signalFetchedAt === null ? null : Math.max(0, (now - z.row.signalFetchedAt) / 1000))),
		),
	];
}

/** Counters and histograms of every zone, grouped into one family per name. */
function zoneSeries(zones: readonly ScrapedZone[]): MetricFamily[] {
	const counters = new Map<string, Sample[]>(Object.keys(COUNTER_HELP).map((name) => [name, []]));
	const tenants = new Map<string, Map<string, { labels: Record<string, string>; value: number }>>(
		Object.keys(TENANT_HELP).map((name) => [name, new Map()]),
	);
	const histograms = new Map<string, Sample[]>(Object.keys(HISTOGRAM_HELP).map((name) => [name, []]));
	for (const { row, metrics } of zones) {
		for (const counter of metrics?.counters ?? []) {
			counters.get(counter.name)?.push({ labels: { ...counter.labels, zone: row.id }, value: counter.value });
			const summed = tenants.get(counter.name);
			if (summed) {
				const key = JSON.stringify(counter.labels);
				const sum = summed.get(key) ?? { labels: counter.labels, value: 0 };
				sum.value += counter.value;
				summed.set(key, sum);
			}
		}
		for (const histogram of metrics?.histograms ?? []) {
			if (histogram.buckets.length !== HISTOGRAM_BUCKETS_S.length) continue;
			const buckets = HISTOGRAM_BUCKETS_S.map((le, i) => ({ le, count: histogram.buckets[i] ?? 0 }));
			const labels = { ...histogram.labels, zone: row.id };
			histograms.get(histogram.name)?.push(...histogramSamples(labels, buckets, histogram.sum, histogram.count));
		}
	}
	return [
		...[...counters].map(
			([name, samples]): MetricFamily => ({
				name,
				help: COUNTER_HELP[name] ?? "",
				type: "counter",
				samples,
			}),
		),
		...[...tenants].map(
			([name, sums]): MetricFamily => ({
				name,
				help: TENANT_HELP[name] ?? "",
				type: "counter",
				samples: [...sums.values()],
			}),
		),
		...[...histograms].map(
			([name, samples]): MetricFamily => ({
				name,
				help: HISTOGRAM_HELP[name] ?? "",
				type: "histogram",
				samples,
			}),
		),
	];
}

/** The zone-level families of a scrape. */
export function zoneFamilies(zones: readonly ScrapedZone[], now: number): MetricFamily[] {
	return [...zoneGauges(zones, now), ...zoneSeries(zones)];
}
