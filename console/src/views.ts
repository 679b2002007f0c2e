/** The console's views: map, nodes, jobs, carbon, events, admin. Each renders fresh data into its section. */
import { ago, fmt, h, replace } from "./dom.js";
import { explain } from "./explain.js";
import { drawMap } from "./map.js";
import { SortableTable } from "./table.js";
import type { Carbon, ConsoleEvent, Fleet, FleetNode, Job, Zone } from "./types.js";

const ms = (a: number | null, b: number | null) => (a !== null && b !== null ? b - a : null);

/** The map with its zone panel. */
export class MapView {
	readonly element = h("section", { "aria-labelledby": "map-h" });
	readonly #map = h("div", { class: "map-wrap" });
	readonly #panel = h("div", { class: "panel", "aria-live": "polite" });
	#open: string | null = null;
	#fleet: Fleet | null = null;
	#jobs: Job[] = [];

	constructor() {
		this.element.append(h("h2", { id: "map-h" }, "Geozones"), this.#map, this.#panel);
	}

	update(fleet: Fleet, jobs: Job[]): void {
		this.#fleet = fleet;
		this.#jobs = jobs;
		replace(
			this.#map,
			drawMap(fleet.zones, jobs, (z) => this.#openZone(z.id)),
		);
		this.#renderPanel();
	}

	#openZone(id: string): void {
		this.#open = id;
		this.#renderPanel();
		this.#panel.querySelector("h3")?.focus();
	}

	#renderPanel(): void {
		const zone = this.#fleet?.zones.find((z) => z.id === this.#open);
		if (!zone) {
			replace(
				this.#panel,
				h("p", {}, "Select a zone on the map (Tab to it, then Enter) to see its nodes, queue and carbon signal."),
			);
			return;
		}
		const nodes = this.#fleet?.nodes.filter((n) => n.zoneId === zone.id) ?? [];
		const jobs = this.#jobs.filter((j) => j.zoneId === zone.id).slice(0, 5);
		replace(
			this.#panel,
			h("h3", { tabindex: -1 }, `${zone.name} (${zone.id})`),
			h(
				"dl",
				{},
				h("dt", {}, "Carbon"),
				h(
					"dd",
					{},
					`${fmt(zone.carbon.gco2PerKwh)} gCO2/kWh from ${zone.carbon.source}, ${ago(zone.carbon.observedAt)}${zone.carbon.stale ? " (stale)" : ""}`,
				),
				h("dt", {}, "Capacity"),
				h("dd", {}, `${zone.freeSlots} of ${zone.slots} slots free; ${zone.liveNodes} of ${zone.nodes} nodes live`),
				h("dt", {}, "Queue"),
				h("dd", {}, `${zone.queueDepth} queued; wait ${fmt(zone.queueWaitMs)} ms; first token ${fmt(zone.ttftMs)} ms`),
				h("dt", {}, "Status"),
				h("dd", {}, zone.enabled ? "enabled" : "disabled"),
			),
			h("h4", {}, "Nodes"),
			h(
				"ul",
				{},
				...nodes.map((n) =>
					h("li", {}, `${n.name}: ${n.live ? "live" : "gone"}, ${n.busySlots}/${n.slots} slots, ${n.power}`),
				),
			),
			h("h4", {}, "Last jobs"),
			h("ul", {}, ...jobs.map((j) => h("li", {}, `${j.id}: ${j.status}, ${j.model}`))),
		);
	}
}

/** Zones and nodes tables. */
export class NodesView {
	readonly element = h("section", { "aria-labelledby": "nodes-h" });
	readonly #zones = new SortableTable<Zone>("Zones", [
		{ label: "Zone", value: (z) => z.id },
		{ label: "gCO2/kWh", value: (z) => z.carbon.gco2PerKwh, stale: (z) => z.carbon.stale },
		{ label: "Source", value: (z) => z.carbon.source },
		{ label: "Live nodes", value: (z) => z.liveNodes },
		{ label: "Free slots", value: (z) => z.freeSlots },
		{ label: "Slots", value: (z) => z.slots },
		{ label: "Queue", value: (z) => z.queueDepth },
		{ label: "Enabled", value: (z) => (z.enabled ? "yes" : "no") },
	]);
	readonly #nodes = new SortableTable<FleetNode>("Nodes", [
		{ label: "Node", value: (n) => n.name },
		{ label: "Zone", value: (n) => n.zoneId },
		{ label: "State", value: (n) => (n.status === "revoked" ? "revoked" : n.live ? "live" : "gone") },
		{ label: "GPU %", value: (n) => n.gpuUtilPct, stale: (n) => n.telemetryStale },
		{
			label: "VRAM MiB",
			value: (n) => n.vramUsedMiB,
			cell: (n) => `${fmt(n.vramUsedMiB)} / ${fmt(n.vramTotalMiB)}`,
			stale: (n) => n.telemetryStale,
		},
		{ label: "Temp °C", value: (n) => n.temperatureC, stale: (n) => n.telemetryStale },
		{ label: "Power W", value: (n) => n.powerDrawW, cell: (n) => fmt(n.powerDrawW), stale: (n) => n.telemetryStale },
		{ label: "Power source", value: (n) => n.power },
		{ label: "Slots used", value: (n) => n.busySlots, cell: (n) => `${n.busySlots} / ${n.slots}` },
		{ label: "Last poll", value: (n) => n.lastSeenAt, cell: (n) => ago(n.lastSeenAt) },
		{ label: "Agent", value: (n) => n.agentVersion },
	]);

	constructor() {
		this.element.append(h("h2", { id: "nodes-h" }, "Zones and nodes"), this.#zones.element, this.#nodes.element);
	}

	update(fleet: Fleet): void {
		this.#zones.update(fleet.zones);
		this.#nodes.update(fleet.nodes);
	}
}

/** The latest jobs with filters, and one job's decision record. */
export class JobsView {
	readonly element = h("section", { "aria-labelledby": "jobs-h" });
	readonly filters: Record<"tenant" | "zone" | "model" | "status", string> = {
		tenant: "",
		zone: "",
		model: "",
		status: "",
	};
	readonly #detail = h("div", { class: "panel", "aria-live": "polite" });
	readonly #table: SortableTable<Job>;

	constructor(
		readonly onFilter: () => void,
		readonly openJob: (id: string) => Promise<Job>,
	) {
		this.#table = new SortableTable<Job>(
			"Latest jobs",
			[
				{ label: "Job", value: (j) => j.id },
				{ label: "Received", value: (j) => j.receivedAt, cell: (j) => ago(j.receivedAt) },
				{ label: "Zone", value: (j) => j.zoneId },
				{ label: "Policy", value: (j) => j.policy },
				{ label: "Status", value: (j) => j.status },
				{ label: "Queue ms", value: (j) => ms(j.receivedAt, j.leasedAt) },
				{ label: "TTFT ms", value: (j) => ms(j.receivedAt, j.firstTokenAt) },
				{ label: "Duration ms", value: (j) => ms(j.receivedAt, j.finishedAt) },
				{ label: "Tokens", value: (j) => (j.promptTokens ?? 0) + (j.completionTokens ?? 0) },
				{ label: "Energy J", value: (j) => j.estEnergyJ, cell: (j) => fmt(j.estEnergyJ, 1) },
				{ label: "gCO2", value: (j) => j.estGco2, cell: (j) => fmt(j.estGco2, 4) },
				{ label: "Why", value: (j) => explain(j), cell: (j) => h("span", { class: "why" }, explain(j)) },
			],
			(j) => void this.#show(j.id),
		);
		const form = h("form", {
			class: "filters",
			onsubmit: (e: Event) => {
				e.preventDefault();
				this.onFilter();
			},
		});
		for (const key of ["tenant", "zone", "model"] as const) {
			form.append(
				h(
					"label",
					{},
					key,
					h("input", { name: key, oninput: (e: Event) => (this.filters[key] = (e.target as HTMLInputElement).value) }),
				),
			);
		}
		const status = h(
			"select",
			{ name: "status", onchange: (e: Event) => (this.filters.status = (e.target as HTMLSelectElement).value) },
			...["", "succeeded", "failed", "cancelled", "expired", "queued", "running"].map((v) =>
				h("option", { value: v }, v || "any"),
			),
		);
		form.append(h("label", {}, "status", status), h("button", { type: "submit" }, "Filter"));
		this.element.append(h("h2", { id: "jobs-h" }, "Jobs"), form, this.#table.element, this.#detail);
	}

	update(jobs: Job[]): void {
		this.#table.update(jobs);
	}

	async #show(id: string): Promise<void> {
		const job = await this.openJob(id);
		replace(
			this.#detail,
			h("h3", { tabindex: -1 }, `Job ${job.id}`),
			h("p", {}, explain(job)),
			h("pre", { class: "record" }, JSON.stringify(job, null, 2)),
		);
		this.#detail.querySelector("h3")?.focus();
	}
}

function avoidedTable(caption: string, rows: Carbon["avoided"]["byTenant"]): HTMLElement {
	const t = new SortableTable(caption, [
		{ label: "Key", value: (r: (typeof rows)[number]) => r.key },
		{ label: "Today g", value: (r) => r.today, cell: (r) => fmt(r.today, 4) },
		{ label: "7 days g", value: (r) => r.days7, cell: (r) => fmt(r.days7, 4) },
		{ label: "30 days g", value: (r) => r.days30, cell: (r) => fmt(r.days30, 4) },
		{ label: "Jobs", value: (r) => r.jobs },
	]);
	t.update(rows);
	return t.element;
}

/** gCO2 per 1,000 tokens over time and carbon avoided. */
export class CarbonView {
	readonly element = h("section", { "aria-labelledby": "carbon-h" });
	readonly #body = h("div");

	constructor() {
		this.element.append(h("h2", { id: "carbon-h" }, "Carbon"), this.#body);
	}

	update(carbon: Carbon): void {
		const max = Math.max(1e-9, ...carbon.series.map((d) => d.gco2Per1kTokens ?? 0));
		const t = carbon.avoided.total;
		replace(
			this.#body,
			h(
				"p",
				{ class: "totals" },
				`Carbon avoided against nearest-zone routing: today ${fmt(t.today, 3)} g, 7 days ${fmt(t.days7, 3)} g, 30 days ${fmt(t.days30, 3)} g.`,
			),
			h(
				"figure",
				{},
				h("figcaption", {}, "gCO2 per 1,000 tokens, per UTC day"),
				h(
					"ol",
					{ class: "bars" },
					...carbon.series.map((d) => {
						const bar = h("span", { class: "bar" });
						bar.style.width = `${Math.round(((d.gco2Per1kTokens ?? 0) / max) * 100)}%`;
						return h("li", {}, h("span", { class: "day" }, d.day), bar, h("span", {}, fmt(d.gco2Per1kTokens, 4)));
					}),
				),
			),
			avoidedTable("Avoided per tenant (gCO2)", carbon.avoided.byTenant),
			avoidedTable("Avoided per zone (gCO2)", carbon.avoided.byZone),
		);
	}
}

/** The event log, newest first; keeps at most 500 lines. */
export class EventsView {
	readonly element = h("section", { "aria-labelledby": "events-h" });
	readonly #list = h("ol", { class: "events", "aria-live": "polite" });
	#events: ConsoleEvent[] = [];
	lastId = 0;

	constructor() {
		this.element.append(h("h2", { id: "events-h" }, "Event log"), this.#list);
	}

	add(fresh: ConsoleEvent[]): void {
		if (fresh.length === 0) return;
		this.#events = [...fresh, ...this.#events].slice(0, 500);
		this.lastId = Math.max(this.lastId, ...fresh.map((e) => e.id));
		replace(
			this.#list,
			...this.#events.map((e) =>
				h(
					"li",
					{},
					h("time", { datetime: new Date(e.at).toISOString() }, new Date(e.at).toISOString().slice(11, 19)),
					" ",
					h("strong", {}, e.kind),
					" ",
					e.message,
				),
			),
		);
	}
}
