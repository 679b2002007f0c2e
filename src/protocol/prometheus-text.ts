/**
 * A small writer of the Prometheus text exposition format (version 0.0.4).
 * prom-client needs Node internals that workerd lacks, so the Worker renders
 * its scrape with this; the agent uses it too, so both speak one dialect
 * (docs/adr/0021-metrics-text-writer.md). It refuses names and label names
 * the format does not allow, and escapes label values and help text.
 */

export type MetricType = "counter" | "gauge" | "histogram";

/** One line of a family: its labels, value, and for histograms the series suffix. */
export interface Sample {
	labels: Readonly<Record<string, string>>;
	value: number;
	/** Histograms only: which series of the family this line belongs to. */
	suffix?: "_bucket" | "_sum" | "_count";
}

/** A metric family: one # HELP, one # TYPE and its samples. */
export interface MetricFamily {
	name: string;
	help: string;
	type: MetricType;
	samples: readonly Sample[];
}

/** The content type a scrape answers with. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A number as the format writes it: NaN, +Inf and -Inf spelled out. */
export function formatValue(value: number): string {
	if (Number.isNaN(value)) return "NaN";
	if (value === Number.POSITIVE_INFINITY) return "+Inf";
	if (value === Number.NEGATIVE_INFINITY) return "-Inf";
	return String(value);
}

function escapeLabelValue(value: string): string {
	return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
	return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function labelText(name: string, labels: Readonly<Record<string, string>>): string {
	const keys = Object.keys(labels).sort();
	if (keys.length === 0) return "";
	const parts = keys.map((key) => {
		if (!LABEL_NAME.test(key) || key.startsWith("__")) {
			throw new Error(`metric ${name}: label name ${JSON.stringify(key)} is not allowed (want ${LABEL_NAME.source})`);
		}
		return `${key}="${escapeLabelValue(labels[key] ?? "")}"`;
	});
	return `{${parts.join(",")}}`;
}

/**
 * Renders families in the text format, one block per family, in the order given.
 * @example renderPrometheusText([{ name: "up", help: "Up.", type: "gauge", samples: [{ labels: {}, value: 1 }] }])
 */
export function renderPrometheusText(families: readonly MetricFamily[]): string {
	const seen = new Set<string>();
	const lines: string[] = [];
	for (const family of families) {
		if (!METRIC_NAME.test(family.name)) {
			throw new Error(`metric name ${JSON.stringify(family.name)} is not allowed (want ${METRIC_NAME.source})`);
		}
		if (seen.has(family.name)) throw new Error(`metric ${family.name} is listed twice`);
		seen.add(family.name);
		lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
		for (const sample of family.samples) {
			if (sample.suffix !== undefined && family.type !== "histogram") {
				throw new Error(`metric ${family.name}: the ${sample.suffix} series belongs to histograms only`);
			}
			const name = family.name + (sample.suffix ?? "");
			lines.push(`${name}${labelText(family.name, sample.labels)} ${formatValue(sample.value)}`);
		}
	}
	return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** The cumulative buckets, sum and count of one histogram series, as samples. */
export function histogramSamples(
	labels: Readonly<Record<string, string>>,
	buckets: readonly { le: number; count: number }[],
	sum: number,
	count: number,
): Sample[] {
	const samples: Sample[] = buckets.map((bucket) => ({
		labels: { ...labels, le: formatValue(bucket.le) },
		value: bucket.count,
		suffix: "_bucket",
	}));
	if (!buckets.some((bucket) => bucket.le === Number.POSITIVE_INFINITY)) {
		samples.push({ labels: { ...labels, le: "+Inf" }, value: count, suffix: "_bucket" });
	}
	samples.push({ labels, value: sum, suffix: "_sum" }, { labels, value: count, suffix: "_count" });
	return samples;
}
