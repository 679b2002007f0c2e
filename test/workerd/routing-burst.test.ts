/**
 * A burst spreads by free capacity: 6 zones with 4 slots each and 20
 * concurrent requests that all rank the same zone best. The directory is one
 * snapshot for all of them; the submits in flight and the zones' answers
 * (free slots, queue depth) fill each zone in the isolate's view, so no zone
 * gets a job beyond its free slots while another zone within the bound has
 * one free. The nodes polled once and never again, so every job stays queued
 * where it was sent and can be counted there.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetZoneLoad } from "../../src/routing/zone-load.js";
import { complete, FRANKFURT_CF, liveZone } from "./routing-fixtures.js";

/** Cleanest first (21 to 175 g/kWh), all within 500 ms of Frankfurt. */
const ZONES = ["eu-stockholm", "eu-oslo", "eu-paris", "eu-hamina", "eu-madrid", "eu-london"];
const SLOTS = 4;
const REQUESTS = 20;

async function queuedIn(zoneId: string): Promise<number> {
	return runInDurableObject(
		env.GEOZONE.getByName(zoneId),
		(_instance, state) =>
			state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM jobs WHERE status = 'queued'").one().n,
	);
}

describe("a burst of requests", () => {
	const clients: AbortController[] = [];
	const answers: Promise<unknown>[] = [];

	beforeAll(async () => {
		resetZoneLoad();
		for (const zoneId of ZONES) await liveZone(zoneId);
	});

	afterAll(async () => {
		for (const client of clients) client.abort();
		await Promise.all(answers);
	});

	it("spreads over the zones by free capacity instead of queueing in the best one", async () => {
		for (let i = 0; i < REQUESTS; i++) {
			const client = new AbortController();
			clients.push(client);
			answers.push(
				complete({
					headers: {
						"x-arcnet-policy": "carbon",
						"x-arcnet-regions": "se,no,fr,fi,es,gb",
						"x-arcnet-max-latency-ms": "500",
					},
					cf: FRANKFURT_CF,
					signal: client.signal,
				}).catch(() => undefined),
			);
		}
		const counts = await vi.waitFor(
			async () => {
				const perZone = await Promise.all(ZONES.map(queuedIn));
				expect(perZone.reduce((a, b) => a + b, 0)).toBe(REQUESTS);
				return perZone;
			},
			{ timeout: 20_000 },
		);
		const byZone = Object.fromEntries(ZONES.map((z, i) => [z, counts[i]]));
		// 20 jobs, 24 free slots: no zone may hold more jobs than it has slots.
		for (const count of counts) expect(count, JSON.stringify(byZone)).toBeLessThanOrEqual(SLOTS);
		// The cleanest zone is filled first: it is not passed over for a dirtier one.
		expect(byZone["eu-stockholm"], JSON.stringify(byZone)).toBe(SLOTS);
	});
});
