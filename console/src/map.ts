/**
 * The world map: land from world-atlas (Natural Earth, bundled: no tiles from
 * the internet), each zone a circle coloured by carbon intensity and sized by
 * its slots, recent routing decisions as arcs from the client to the zone.
 */
import { geoEqualEarth, geoInterpolate, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import land110m from "world-atlas/land-110m.json";
import { fmt, s } from "./dom.js";
import type { Job, Zone } from "./types.js";

const WIDTH = 960;
const HEIGHT = 500;
const projection = geoEqualEarth().fitExtent(
	[
		[8, 8],
		[WIDTH - 8, HEIGHT - 8],
	],
	{ type: "Sphere" },
);
const path = geoPath(projection);
const topology = land110m as unknown as Topology<{ land: GeometryCollection }>;
const landPath = path(feature(topology, topology.objects.land)) ?? "";
const spherePath = path({ type: "Sphere" }) ?? "";

/** Colour of an intensity (gCO2eq/kWh): green under 100, amber to 400, red above. */
export function carbonColour(gco2: number): string {
	if (gco2 < 100) return "#1b7f3b";
	if (gco2 < 250) return "#7a8b12";
	if (gco2 < 400) return "#b36b00";
	return "#b3261e";
}

/** Draws the map; `onZone` opens a zone's panel (click or Enter on the focused circle). */
export function drawMap(zones: Zone[], jobs: Job[], onZone: (zone: Zone) => void): SVGElement {
	const svg = s("svg", {
		viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
		class: "map",
		role: "group",
		"aria-label": "World map of geozones",
	});
	svg.append(s("path", { d: spherePath, class: "sphere" }), s("path", { d: landPath, class: "land" }));
	const byId = new Map(zones.map((z) => [z.id, z]));
	for (const job of jobs.slice(0, 30)) {
		const client = job.routing?.client;
		const zone = byId.get(job.zoneId);
		if (!client || !zone) continue;
		const line = geoInterpolate([client.lon, client.lat], [zone.lon, zone.lat]);
		const points = Array.from({ length: 21 }, (_, i) => projection(line(i / 20)));
		const d = points
			.filter((p): p is [number, number] => p !== null)
			.map((p, i) => `${i === 0 ? "M" : "L"}${p[0].toFixed(1)},${p[1].toFixed(1)}`)
			.join("");
		svg.append(s("path", { d, class: "arc" }));
	}
	for (const zone of zones) {
		const at = projection([zone.lon, zone.lat]);
		if (!at) continue;
		const r = 4 + Math.sqrt(Math.max(0, zone.slots)) * 2.5;
		const label = `${zone.id}: ${fmt(zone.carbon.gco2PerKwh)} gCO2/kWh, ${zone.freeSlots} of ${zone.slots} slots free, ${zone.liveNodes} nodes live${zone.enabled ? "" : ", disabled"}`;
		const g = s(
			"g",
			{
				class: `zone${zone.enabled ? "" : " disabled"}`,
				tabindex: 0,
				role: "button",
				"aria-label": label,
				onclick: () => onZone(zone),
				onkeydown: (e: Event) => {
					if (e instanceof KeyboardEvent && (e.key === "Enter" || e.key === " ")) {
						e.preventDefault();
						onZone(zone);
					}
				},
			},
			s("title", {}, label),
			s("circle", { cx: at[0], cy: at[1], r, fill: carbonColour(zone.carbon.gco2PerKwh) }),
			// Only zones with nodes are labelled: the catalogue's empty zones would crowd Europe.
			zone.nodes > 0 || zone.liveNodes > 0
				? s("text", { x: at[0] + r + 2, y: at[1] + 4, class: "zone-label" }, `${zone.id} (${zone.liveNodes})`)
				: null,
		);
		svg.append(g);
	}
	return svg;
}
