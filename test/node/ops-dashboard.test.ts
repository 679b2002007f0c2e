/**
 * ops/grafana-dashboard.json and ops/alerts.yml query only series the edge
 * writes (names taken from the code that writes them), every one of them is
 * documented in docs/operations.md, and the dashboard covers the fleet,
 * queue, latency, errors, carbon, nodes and tenants.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** Every metric family name written in the given source files. */
function namesIn(files: string[]): Set<string> {
	const names = new Set<string>();
	for (const file of files) for (const m of read(file).matchAll(/"(arcnet_[a-z0-9_]+)"/g)) names.add(m[1] ?? "");
	return names;
}

const edgeNames = namesIn([
	...readdirSync(join(root, "src/metrics")).map((f) => `src/metrics/${f}`),
	"durable-objects/geozone/metrics/contract.ts",
]);

/** The family a series name belongs to (a histogram's _bucket, _sum, _count are its family's). */
function family(series: string): string {
	const base = series.replace(/_(bucket|sum|count)$/, "");
	return edgeNames.has(base) ? base : series;
}

function seriesIn(text: string): string[] {
	return [...new Set([...text.matchAll(/\b(arcnet_[a-z0-9_]+)/g)].map((m) => m[1] ?? ""))];
}

interface Panel {
	type: string;
	title: string;
	gridPos: { x: number; w: number };
	targets?: { expr: string; datasource: { uid: string } }[];
}

const dashboard = JSON.parse(read("ops/grafana-dashboard.json")) as { panels: Panel[]; uid: string };

describe("ops/grafana-dashboard.json", () => {
	it("queries only series the edge writes, through the imported Prometheus data source", () => {
		const exprs = dashboard.panels.flatMap((p) => p.targets ?? []);
		expect(exprs.length).toBeGreaterThan(20);
		for (const target of exprs) {
			expect(target.datasource.uid).toBe("${DS_PROMETHEUS}");
			for (const series of seriesIn(target.expr))
				expect(edgeNames, `${series} in ${target.expr}`).toContain(family(series));
		}
	});

	it("has the rows an operator needs, and panels that fit the 24-column grid", () => {
		const rows = dashboard.panels.filter((p) => p.type === "row").map((p) => p.title);
		expect(rows).toEqual(["Fleet", "Queue", "Latency", "Errors", "Carbon", "Nodes", "Tenants"]);
		for (const panel of dashboard.panels)
			expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
		expect(dashboard.panels.some((p) => p.type === "table" && p.title === "Zones")).toBe(true);
	});
});

describe("ops/alerts.yml", () => {
	it("queries only series the edge writes", () => {
		const series = seriesIn(read("ops/alerts.yml"));
		expect(series.length).toBeGreaterThan(5);
		for (const name of series) expect(edgeNames, name).toContain(family(name));
	});
});

describe("docs/operations.md", () => {
	it("documents every series the edge writes", () => {
		const docs = read("docs/operations.md");
		expect(edgeNames.size).toBeGreaterThan(25);
		for (const name of edgeNames) expect(docs, name).toContain(`\`${name}`);
	});
});
