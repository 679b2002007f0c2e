/**
 * A client that leaves before its job's first output (request.signal aborts,
 * compatibility flag enable_request_signal): the queued job is cancelled in
 * its zone and recorded `cancelled` in D1, the key's concurrency permit is
 * released and its token reservation refunded, so the key can send again.
 * The zone's node polled once and never again, so the jobs stay queued.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, call, chatBody } from "./edge-fixtures.js";
import { FRANKFURT_CF, liveZone } from "./routing-fixtures.js";

const ZONE = "eu-stockholm";
const ONLY_STOCKHOLM = { "x-arcnet-regions": "se" };

interface Usage {
	inFlight: number;
	tokensReservedToday: number;
}

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
	const res = await call(method, `/admin/v1${path}`, { bearer: ADMIN_KEY, ...(body !== undefined ? { body } : {}) });
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
	return (await res.json()) as T;
}

/** Starts a chat completion its client abandons with `client.abort()`; resolves with the response, if any. */
function abandonable(key: string, client: AbortController, stream: boolean): Promise<Response | undefined> {
	const request = new Request("http://edge/v1/chat/completions", {
		method: "POST",
		headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...ONLY_STOCKHOLM },
		body: JSON.stringify(chatBody({ stream, max_tokens: 64 })),
		signal: client.signal,
		cf: FRANKFURT_CF,
	});
	return exports.default.fetch(request).catch(() => undefined);
}

async function jobStatuses(): Promise<string[]> {
	return runInDurableObject(env.GEOZONE.getByName(ZONE), (_instance, state) =>
		state.storage.sql
			.exec<{ status: string }>("SELECT status FROM jobs ORDER BY received_at")
			.toArray()
			.map((r) => r.status),
	);
}

describe("a client that leaves before the first output", () => {
	let keyId = "";
	let key = "";

	beforeAll(async () => {
		await liveZone(ZONE);
		const tenant = await admin<{ id: string }>("POST", "/tenants", { name: "disconnect test", maxConcurrent: 2 });
		({ id: keyId, key } = await admin<{ id: string; key: string }>("POST", "/keys", {
			tenantId: tenant.id,
			name: "k",
			scopes: ["inference"],
		}));
	});

	it("cancels its queued job, records it cancelled, releases its permit and refunds its reservation", {
		timeout: 30_000,
	}, async () => {
		const usage = () => admin<Usage>("GET", `/keys/${keyId}/usage`);
		const clients = [new AbortController(), new AbortController()];
		const answers = [
			abandonable(key, clients[0] as AbortController, false),
			abandonable(key, clients[1] as AbortController, true),
		];
		await vi.waitFor(async () => expect(await jobStatuses()).toEqual(["queued", "queued"]), { timeout: 10_000 });
		const held = await usage();
		expect(held.inFlight).toBe(2);
		expect(held.tokensReservedToday).toBeGreaterThan(0);

		for (const client of clients) client.abort();
		await Promise.all(answers);

		await vi.waitFor(async () => expect(await jobStatuses()).toEqual(["cancelled", "cancelled"]), { timeout: 10_000 });
		await vi.waitFor(async () => expect(await usage()).toMatchObject({ inFlight: 0, tokensReservedToday: 0 }), {
			timeout: 10_000,
		});
		// The zone's alarm flushes history: D1 records both jobs cancelled.
		await runDurableObjectAlarm(env.GEOZONE.getByName(ZONE));
		const rows = await env.DB.prepare("SELECT status FROM jobs WHERE zone_id = ?").bind(ZONE).all<{ status: string }>();
		expect(rows.results.map((r) => r.status)).toEqual(["cancelled", "cancelled"]);

		// Both permits are back: the key is admitted again (its job queues) instead of refused with 429.
		const next = new AbortController();
		const third = abandonable(key, next, false);
		await vi.waitFor(async () => expect((await usage()).inFlight).toBe(1), { timeout: 10_000 });
		next.abort();
		await third;
	});
});
