/** The Prometheus text writer: escaping, refusals, histograms, and promtool's verdict on what it writes. */
import { describe, expect, it } from "vitest";
import { histogramSamples, type MetricFamily, renderPrometheusText } from "../../src/protocol/prometheus-text.js";
import { prometheusTools, promtool } from "../support/prometheus-tools.js";

const tools = prometheusTools();
if (!tools.ok) console.warn(`skipping the promtool checks: ${tools.reason}`);

const FAMILIES: MetricFamily[] = [
	{
		name: "arcnet_zone_jobs_total",
		help: "Jobs that ended.",
		type: "counter",
		samples: [
			{ labels: { zone: "eu-paris", outcome: "succeeded", code: "" }, value: 3 },
			{ labels: { zone: "eu-paris", outcome: "failed", code: "backend_error" }, value: 1 },
		],
	},
	{
		name: "arcnet_zone_queue_depth",
		help: "Jobs queued.",
		type: "gauge",
		samples: [{ labels: { zone: "eu-paris" }, value: 0 }],
	},
	{
		name: "arcnet_zone_ttft_seconds",
		help: "Time to first token (s).",
		type: "histogram",
		samples: histogramSamples(
			{ zone: "eu-paris" },
			[
				{ le: 0.5, count: 1 },
				{ le: 1, count: 3 },
			],
			2.25,
			4,
		),
	},
];

describe("Prometheus text writer", () => {
	it("writes HELP, TYPE and sorted labels, and a histogram's cumulative buckets ending in +Inf", () => {
		expect(renderPrometheusText(FAMILIES)).toBe(
			[
				"# HELP arcnet_zone_jobs_total Jobs that ended.",
				"# TYPE arcnet_zone_jobs_total counter",
				'arcnet_zone_jobs_total{code="",outcome="succeeded",zone="eu-paris"} 3',
				'arcnet_zone_jobs_total{code="backend_error",outcome="failed",zone="eu-paris"} 1',
				"# HELP arcnet_zone_queue_depth Jobs queued.",
				"# TYPE arcnet_zone_queue_depth gauge",
				'arcnet_zone_queue_depth{zone="eu-paris"} 0',
				"# HELP arcnet_zone_ttft_seconds Time to first token (s).",
				"# TYPE arcnet_zone_ttft_seconds histogram",
				'arcnet_zone_ttft_seconds_bucket{le="0.5",zone="eu-paris"} 1',
				'arcnet_zone_ttft_seconds_bucket{le="1",zone="eu-paris"} 3',
				'arcnet_zone_ttft_seconds_bucket{le="+Inf",zone="eu-paris"} 4',
				'arcnet_zone_ttft_seconds_sum{zone="eu-paris"} 2.25',
				'arcnet_zone_ttft_seconds_count{zone="eu-paris"} 4',
				"",
			].join("\n"),
		);
	});

	it("escapes backslashes, quotes and newlines in label values and help", () => {
		const text = renderPrometheusText([
			{ name: "x", help: 'a\\b\nc "q"', type: "gauge", samples: [{ labels: { v: 'a\\b\n"c"' }, value: Number.NaN }] },
		]);
		expect(text).toBe('# HELP x a\\\\b\\nc "q"\n# TYPE x gauge\nx{v="a\\\\b\\n\\"c\\""} NaN\n');
	});

	it("refuses a metric name, a label name or a duplicate family the format does not allow", () => {
		const family = (name: string, labels: Record<string, string> = {}): MetricFamily => ({
			name,
			help: "h",
			type: "gauge",
			samples: [{ labels, value: 1 }],
		});
		expect(() => renderPrometheusText([family("bad-name")])).toThrow(/metric name "bad-name" is not allowed/);
		expect(() => renderPrometheusText([family("ok", { "bad-label": "1" })])).toThrow(
			/metric ok: label name "bad-label" is not allowed/,
		);
		expect(() => renderPrometheusText([family("ok", { __name: "1" })])).toThrow(/label name "__name"/);
		expect(() => renderPrometheusText([family("ok"), family("ok")])).toThrow(/metric ok is listed twice/);
		expect(() =>
			renderPrometheusText([
				{ name: "g", help: "h", type: "gauge", samples: [{ labels: {}, value: 1, suffix: "_sum" }] },
			]),
		).toThrow(/histograms only/);
	});

	it.skipIf(!tools.ok)("writes text that promtool check metrics accepts", () => {
		if (!tools.ok) return;
		const checked = promtool(tools, ["check", "metrics"], renderPrometheusText(FAMILIES));
		expect(checked.output).toBe("");
		expect(checked.status).toBe(0);
	});

	it.skipIf(!tools.ok)("is checked by a promtool that does refuse a malformed scrape", () => {
		if (!tools.ok) return;
		const checked = promtool(tools, ["check", "metrics"], "# TYPE x counter\nx{a=1} 1\n");
		expect(checked.status).not.toBe(0);
	});
});
