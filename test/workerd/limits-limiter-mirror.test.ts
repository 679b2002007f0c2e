/**
 * The KeyLimiterDO's write-through mirror (durable-objects/key-limiter/mirror.ts):
 * a new instance over the same storage continues exactly, the mirror agrees
 * with the SQLite rows after every kind of change, and a write whose outcome
 * is unknown makes the object read SQLite again instead of a stale mirror.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LimiterMirror } from "../../durable-objects/key-limiter/mirror.js";
import { DAY_MS } from "../../durable-objects/key-limiter/utc-day.js";
import { KeyLimiterDO } from "../../durable-objects/key-limiter-do.js";
import { limiter, limits, newKeyId, permitOf, T0 } from "./limiter-fixtures.js";

/** The counters as the SQLite tables hold them, read directly. */
function tablesOf(sql: SqlStorage) {
	const meta = new Map(
		sql
			.exec<{ key: string; value: string }>("SELECT key, value FROM meta")
			.toArray()
			.map((row) => [row.key, row.value]),
	);
	const bucket =
		sql
			.exec<{ tokens: number; updatedAt: number; ratePerMinute: number }>(
				"SELECT tokens, updated_at AS updatedAt, rate_per_minute AS ratePerMinute FROM bucket",
			)
			.toArray()[0] ?? null;
	const permits = sql
		.exec<{ id: string; day: string; reservedTokens: number; expiresAt: number }>(
			"SELECT permit_id AS id, day, reserved_tokens AS reservedTokens, expires_at AS expiresAt FROM permits ORDER BY permit_id",
		)
		.toArray();
	const reservedByDay = sql
		.exec<{ day: string; tokens: number }>(
			"SELECT day, SUM(reserved_tokens) AS tokens FROM permits GROUP BY day HAVING tokens <> 0 ORDER BY day",
		)
		.toArray();
	const usedByDay = sql
		.exec<{ day: string; tokens: number }>("SELECT day, used_tokens AS tokens FROM token_days ORDER BY day")
		.toArray();
	return {
		keyId: meta.get("key_id") ?? null,
		limitsJson: meta.get("limits") ?? null,
		bucket,
		permits,
		reservedByDay,
		usedByDay,
	};
}

/** The same shape from the mirror. */
function mirrorOf(mirror: Readonly<LimiterMirror>): ReturnType<typeof tablesOf> {
	// Binary order, as the queries' ORDER BY sorts TEXT.
	const sortBy = <T>(rows: T[], key: (row: T) => string) =>
		rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
	return {
		keyId: mirror.keyId,
		limitsJson: mirror.limitsJson,
		bucket: mirror.bucket && { ...mirror.bucket },
		permits: sortBy(
			[...mirror.permits].map(([id, permit]) => ({ id, ...permit })),
			(row) => row.id,
		),
		reservedByDay: sortBy(
			[...mirror.reservedByDay].filter(([, tokens]) => tokens !== 0).map(([day, tokens]) => ({ day, tokens })),
			(row) => row.day,
		),
		usedByDay: sortBy(
			[...mirror.usedByDay].map(([day, tokens]) => ({ day, tokens })),
			(row) => row.day,
		),
	};
}

/** The tables as they will be once the mirror's pending finishes are written (each one's permit row must still be there). */
function withSettled(
	tables: ReturnType<typeof tablesOf>,
	mirror: Readonly<LimiterMirror>,
): ReturnType<typeof tablesOf> {
	const permits = new Map(tables.permits.map((permit) => [permit.id, permit]));
	const reserved = new Map(tables.reservedByDay.map((row) => [row.day, row.tokens]));
	const used = new Map(tables.usedByDay.map((row) => [row.day, row.tokens]));
	for (const [id, { day, chargedTokens }] of mirror.settled) {
		const permit = permits.get(id);
		expect(permit, `settled permit ${id} is still a SQLite row`).toBeDefined();
		permits.delete(id);
		reserved.set(day, (reserved.get(day) ?? 0) - (permit?.reservedTokens ?? 0));
		used.set(day, (used.get(day) ?? 0) + chargedTokens);
	}
	const byDay = (rows: Map<string, number>) =>
		[...rows]
			.filter(([, tokens]) => tokens !== 0)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([day, tokens]) => ({ day, tokens }));
	return {
		...tables,
		permits: [...permits.values()],
		reservedByDay: byDay(reserved),
		usedByDay: [...used].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([day, tokens]) => ({ day, tokens })),
	};
}

/**
 * Asserts that the live instance's mirror holds exactly the SQLite rows (plus the finishes it has
 * not written yet), and that its alarm bound is a lower bound. Returns the tables as the mirror sees them.
 */
async function expectMirrorMatchesSqlite(keyId: string): Promise<ReturnType<typeof tablesOf>> {
	return runInDurableObject(limiter(keyId), (instance: KeyLimiterDO, state) => {
		const mirror = instance.store.mirror;
		const tables = withSettled(tablesOf(state.storage.sql), mirror);
		expect(mirrorOf(mirror)).toEqual(tables);
		if (tables.permits.length > 0) {
			const earliest = Math.min(...tables.permits.map((permit) => permit.expiresAt));
			expect(mirror.earliestExpiry).not.toBeNull();
			expect(mirror.earliestExpiry).toBeLessThanOrEqual(earliest);
		}
		return tables;
	});
}

describe("KeyLimiterDO mirror: a new instance over the same storage continues exactly", () => {
	it("counts the permits in flight, the day's used and reserved tokens and the bucket level it did not see written", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const quota = limits({ ratePerMinute: 4, maxConcurrent: 3, dailyTokens: 1_000 });
		await runInDurableObject(stub, async (old: KeyLimiterDO, state) => {
			// Through the old instance: 3 admitted (rate bucket 4 -> 1), one finished with 250 of its 300 used.
			const first = permitOf(await old.admit({ keyId, limits: quota, estimatedTokens: 300, now: T0 }));
			permitOf(await old.admit({ keyId, limits: quota, estimatedTokens: 200, now: T0 }));
			permitOf(await old.admit({ keyId, limits: quota, estimatedTokens: 100, now: T0 }));
			expect(await old.finish({ keyId, permitId: first, usedTokens: 250 })).toEqual({
				released: true,
				chargedTokens: 250,
			});
			const before = await old.usage({ keyId, now: T0 });
			expect(before).toMatchObject({
				inFlight: 2,
				tokensUsedToday: 250,
				tokensReservedToday: 300,
				requestsAvailable: 1,
			});

			const fresh = new KeyLimiterDO(state, env);
			expect(await fresh.usage({ keyId, now: T0 })).toEqual(before);
			// Used 250 + reserved 300 + 451 > 1000: the new instance knows both halves of the day.
			expect(await fresh.admit({ keyId, limits: quota, estimatedTokens: 451, now: T0 })).toMatchObject({
				admitted: false,
				reason: "daily_tokens",
			});
			// The last rate token and the third slot.
			const third = permitOf(await fresh.admit({ keyId, limits: quota, estimatedTokens: 450, now: T0 }));
			const again = new KeyLimiterDO(state, env);
			// The bucket is empty at T0 (4 taken): refused for the rate, and 15 s later (one token per 15 s) for concurrency.
			expect(await again.admit({ keyId, limits: quota, estimatedTokens: 0, now: T0 })).toMatchObject({
				admitted: false,
				reason: "rate",
				retryAfterS: 15,
			});
			expect(await again.admit({ keyId, limits: quota, estimatedTokens: 0, now: T0 + 15_000 })).toMatchObject({
				admitted: false,
				reason: "concurrency",
				limit: 3,
			});
			// A permit admitted by another instance is released, and its reservation settled, by this one.
			expect(await again.finish({ keyId, permitId: third, usedTokens: 400 })).toEqual({
				released: true,
				chargedTokens: 400,
			});
			expect(await again.usage({ keyId, now: T0 })).toMatchObject({
				inFlight: 2,
				tokensUsedToday: 650,
				tokensReservedToday: 300,
			});
		});
	});
});

describe("KeyLimiterDO mirror: the SQLite rows agree with the mirror", () => {
	it("after admissions on several days, finishes, a refusal, a rate change, sweeps in admit and in the alarm", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const now = Date.now();
		const quota = limits({ ratePerMinute: 100, maxConcurrent: 10, dailyTokens: 1_000_000 });
		// Two days ago, expired after 1 s: nobody finishes it.
		await stub.admit({ keyId, limits: quota, estimatedTokens: 100, permitTtlMs: 1_000, now: now - 2 * DAY_MS });
		await expectMirrorMatchesSqlite(keyId);
		// Yesterday: this admission sweeps the first permit (its 100 charged to its day).
		const yesterday = permitOf(
			await stub.admit({ keyId, limits: quota, estimatedTokens: 200, permitTtlMs: 1_000, now: now - DAY_MS }),
		);
		let tables = await expectMirrorMatchesSqlite(keyId);
		expect(tables.permits.map((permit) => permit.id)).toEqual([yesterday]);
		expect(tables.usedByDay).toHaveLength(1);
		expect(tables.usedByDay[0]?.tokens).toBe(100);
		// Today: three admitted, one finished with its real usage, one with usage unknown, one left in flight.
		const a = permitOf(await stub.admit({ keyId, limits: quota, estimatedTokens: 300, now }));
		const b = permitOf(await stub.admit({ keyId, limits: quota, estimatedTokens: 400, now }));
		const c = permitOf(await stub.admit({ keyId, limits: quota, estimatedTokens: 500, now }));
		await stub.finish({ keyId, permitId: a, usedTokens: 30 });
		await stub.finish({ keyId, permitId: b, usedTokens: null });
		expect((await stub.finish({ keyId, permitId: a, usedTokens: 30 })).released).toBe(false);
		await expectMirrorMatchesSqlite(keyId);
		// A refusal writes nothing; a rate change restarts the bucket full.
		expect((await stub.admit({ keyId, limits: quota, estimatedTokens: 2_000_000, now })).admitted).toBe(false);
		const d = permitOf(await stub.admit({ keyId, limits: { ...quota, ratePerMinute: 7 }, estimatedTokens: 0, now }));
		tables = await expectMirrorMatchesSqlite(keyId);
		expect(tables.bucket).toEqual({ tokens: 6, updatedAt: now, ratePerMinute: 7 });
		// Expired a second ago: the alarm sweeps it and yesterday's, and drops the day before yesterday.
		await stub.admit({ keyId, limits: quota, estimatedTokens: 600, permitTtlMs: 1_000, now: now - 2_000 });
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		tables = await expectMirrorMatchesSqlite(keyId);
		expect(tables.permits.map((permit) => permit.id).sort()).toEqual([c, d].sort());
		expect(tables.usedByDay.map((row) => row.tokens)).toEqual([200, 30 + 400 + 600]);
		expect(await stub.usage({ keyId, now })).toMatchObject({
			inFlight: 2,
			tokensUsedToday: 1_030,
			tokensReservedToday: 500,
		});
	});
});

describe("KeyLimiterDO mirror: never answers from a stale mirror", () => {
	it("reads SQLite again after a write whose outcome it did not see (the permit was written, then the call threw)", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const one = limits({ maxConcurrent: 1, dailyTokens: 1_000 });
		await runInDurableObject(stub, async (instance: KeyLimiterDO, state) => {
			const sql = state.storage.sql;
			const exec = sql.exec.bind(sql);
			let failAfterWrite = true;
			// The statement runs, then the call throws before the mirror hears of it: memory would be behind SQLite.
			function patched<T extends Record<string, SqlStorageValue>>(
				query: string,
				...bindings: unknown[]
			): SqlStorageCursor<T> {
				const cursor = exec<T>(query, ...bindings);
				if (failAfterWrite && query.startsWith("INSERT INTO permits")) {
					failAfterWrite = false;
					throw new Error("injected: storage answered with an error after the write");
				}
				return cursor;
			}
			Object.defineProperty(sql, "exec", { value: patched, configurable: true });
			try {
				await expect(instance.admit({ keyId, limits: one, estimatedTokens: 600, now: T0 })).rejects.toThrow(/injected/);
				// SQLite holds the permit and its reservation: the one slot is taken and 600 of 1000 tokens are reserved.
				expect(await instance.admit({ keyId, limits: one, estimatedTokens: 0, now: T0 })).toMatchObject({
					admitted: false,
					reason: "concurrency",
				});
				expect(await instance.usage({ keyId, now: T0 })).toMatchObject({ inFlight: 1, tokensReservedToday: 600 });
				expect(mirrorOf(instance.store.mirror)).toEqual(tablesOf(sql));
			} finally {
				Reflect.deleteProperty(sql, "exec");
			}
		});
	});

	it("frees a slot, settles the day and sweeps in the same instance that answers next", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const one = limits({ maxConcurrent: 1, dailyTokens: 1_000 });
		const first = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 900, now: T0 }));
		expect(await stub.admit({ keyId, limits: one, estimatedTokens: 0, now: T0 })).toMatchObject({
			reason: "concurrency",
		});
		await stub.finish({ keyId, permitId: first, usedTokens: 100, now: T0 });
		// 100 used now, not the 900 reserved: 900 more fit, 901 do not.
		expect(await stub.admit({ keyId, limits: one, estimatedTokens: 901, now: T0 })).toMatchObject({
			reason: "daily_tokens",
		});
		const second = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 900, now: T0 }));
		expect(await stub.finish({ keyId, permitId: second, usedTokens: 0, now: T0 })).toEqual({
			released: true,
			chargedTokens: 0,
		});
		// Admitted in the past with a 1 s life; the next admission (later) sweeps it and its 50 stay charged.
		await stub.admit({ keyId, limits: one, estimatedTokens: 50, permitTtlMs: 1_000, now: T0 });
		expect(await stub.admit({ keyId, limits: one, estimatedTokens: 851, now: T0 + 1_000 })).toMatchObject({
			reason: "daily_tokens",
		});
		expect(await stub.usage({ keyId, now: T0 + 1_000 })).toMatchObject({
			inFlight: 0,
			tokensUsedToday: 150,
			tokensReservedToday: 0,
		});
		await expectMirrorMatchesSqlite(keyId);
	});
});
