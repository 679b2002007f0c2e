import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { KeyLimiterDO } from "../../durable-objects/key-limiter-do.js";
import { limiter, limits, newKeyId, T0 } from "./limiter-fixtures.js";

describe("KeyLimiterDO: request rate (token bucket per minute)", () => {
	it("admits a burst up to the per-minute limit, refuses the next with Retry-After, and refills evenly", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const admit = (now: number) => stub.admit({ keyId, limits: limits({ ratePerMinute: 3 }), estimatedTokens: 0, now });
		for (let i = 0; i < 3; i++) expect((await admit(T0)).admitted).toBe(true);
		const refused = await admit(T0);
		expect(refused).toMatchObject({ admitted: false, reason: "rate", limit: 3, retryAfterS: 20 });
		// 3 per minute refills one request every 20 s.
		expect((await admit(T0 + 19_000)).admitted).toBe(false);
		expect((await admit(T0 + 20_000)).admitted).toBe(true);
	});

	it("reports the remaining requests and the time until the bucket is full", async () => {
		const keyId = newKeyId();
		const result = await limiter(keyId).admit({
			keyId,
			limits: limits({ ratePerMinute: 60 }),
			estimatedTokens: 0,
			now: T0,
		});
		expect(result).toMatchObject({ admitted: true, rate: { limit: 60, remaining: 59, resetMs: 1000 } });
	});
});

describe("KeyLimiterDO: concurrency", () => {
	it("admits N in flight, refuses N+1, and frees a slot on finish", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const admit = () => stub.admit({ keyId, limits: limits({ maxConcurrent: 2 }), estimatedTokens: 0, now: T0 });
		const first = await admit();
		expect((await admit()).admitted).toBe(true);
		expect(await admit()).toMatchObject({ admitted: false, reason: "concurrency", limit: 2 });
		if (!first.admitted) throw new Error("expected the first request to be admitted");
		expect(await stub.finish({ keyId, permitId: first.permitId, usedTokens: 0 })).toEqual({
			released: true,
			chargedTokens: 0,
		});
		expect((await admit()).admitted).toBe(true);
		expect((await stub.finish({ keyId, permitId: first.permitId, usedTokens: 0 })).released).toBe(false);
	});

	it("frees the slot of a permit that expired without finish when the alarm runs", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const past = Date.now() - 60_000;
		// Admitted a minute ago with a 1 s life: the Worker that held it "crashed".
		await stub.admit({
			keyId,
			limits: limits({ maxConcurrent: 1 }),
			estimatedTokens: 500,
			permitTtlMs: 1_000,
			now: past,
		});
		expect((await stub.usage({ keyId, now: past })).inFlight).toBe(1);
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		const after = await stub.usage({ keyId, now: past });
		expect(after.inFlight).toBe(0);
		// The reservation of a permit nobody finished stays charged.
		expect(after.tokensUsedToday).toBe(500);
		const again = await stub.admit({
			keyId,
			limits: limits({ maxConcurrent: 1 }),
			estimatedTokens: 0,
			now: Date.now(),
		});
		expect(again.admitted).toBe(true);
	});
});

describe("KeyLimiterDO: daily token quota (UTC day)", () => {
	it("reserves the estimate at admission, settles to the real usage, and refuses a reservation over the quota", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const quota = limits({ dailyTokens: 1_000 });
		const first = await stub.admit({ keyId, limits: quota, estimatedTokens: 800, now: T0 });
		if (!first.admitted) throw new Error("expected admission");
		expect(await stub.usage({ keyId, now: T0 })).toMatchObject({ tokensReservedToday: 800, tokensUsedToday: 0 });
		// 800 reserved + 300 > 1000 while the first request runs.
		expect(await stub.admit({ keyId, limits: quota, estimatedTokens: 300, now: T0 })).toMatchObject({
			admitted: false,
			reason: "daily_tokens",
			limit: 1_000,
			retryAfterS: 12 * 3600,
			resetAt: Date.UTC(2026, 10, 24),
		});
		await stub.finish({ keyId, permitId: first.permitId, usedTokens: 150, now: T0 });
		expect(await stub.usage({ keyId, now: T0 })).toMatchObject({ tokensReservedToday: 0, tokensUsedToday: 150 });
		expect((await stub.admit({ keyId, limits: quota, estimatedTokens: 300, now: T0 })).admitted).toBe(true);
		expect((await stub.admit({ keyId, limits: quota, estimatedTokens: 600, now: T0 })).admitted).toBe(false);
		// The next UTC day starts from zero.
		const tomorrow = Date.UTC(2026, 10, 24, 0, 0, 1);
		expect((await stub.admit({ keyId, limits: quota, estimatedTokens: 900, now: tomorrow })).admitted).toBe(true);
	});

	it("keeps the reservation charged when the usage is unknown", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const result = await stub.admit({ keyId, limits: limits({ dailyTokens: 10_000 }), estimatedTokens: 700, now: T0 });
		if (!result.admitted) throw new Error("expected admission");
		expect(await stub.finish({ keyId, permitId: result.permitId, usedTokens: null, now: T0 })).toEqual({
			released: true,
			chargedTokens: 700,
		});
		expect((await stub.usage({ keyId, now: T0 })).tokensUsedToday).toBe(700);
	});
});

describe("KeyLimiterDO: counters survive a restart of the object", () => {
	it("refuses after an eviction what it refused before (SQLite is the record; the new instance reloads its mirror)", async () => {
		const keyId = newKeyId();
		const one = limits({ ratePerMinute: 2, maxConcurrent: 5, dailyTokens: 1_000 });
		const admitted = await limiter(keyId).admit({ keyId, limits: one, estimatedTokens: 600, now: T0 });
		expect(admitted.admitted).toBe(true);
		await evictDurableObject(limiter(keyId));
		// The day's reservation and the spent rate token were kept across the restart.
		expect(await limiter(keyId).admit({ keyId, limits: one, estimatedTokens: 600, now: T0 })).toMatchObject({
			admitted: false,
			reason: "daily_tokens",
		});
		expect((await limiter(keyId).admit({ keyId, limits: one, estimatedTokens: 100, now: T0 })).admitted).toBe(true);
		await evictDurableObject(limiter(keyId));
		expect(await limiter(keyId).admit({ keyId, limits: one, estimatedTokens: 0, now: T0 })).toMatchObject({
			admitted: false,
			reason: "rate",
		});
		expect((await limiter(keyId).usage({ keyId, now: T0 })).inFlight).toBe(2);
	});
});

describe("KeyLimiterDO: unlimited, isolation and validation", () => {
	it("treats 0 as unlimited for each counter", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		for (let i = 0; i < 50; i++) {
			const result = await stub.admit({ keyId, limits: limits({}), estimatedTokens: 1_000_000, now: T0 });
			expect(result).toMatchObject({ admitted: true, rate: null });
		}
		expect((await stub.usage({ keyId, now: T0 })).inFlight).toBe(50);
	});

	it("keeps each key's counters apart", async () => {
		const a = newKeyId();
		const b = newKeyId();
		const one = limits({ ratePerMinute: 1, maxConcurrent: 1 });
		expect((await limiter(a).admit({ keyId: a, limits: one, estimatedTokens: 0, now: T0 })).admitted).toBe(true);
		expect((await limiter(a).admit({ keyId: a, limits: one, estimatedTokens: 0, now: T0 })).admitted).toBe(false);
		expect((await limiter(b).admit({ keyId: b, limits: one, estimatedTokens: 0, now: T0 })).admitted).toBe(true);
	});

	it("refuses an input naming the field, the value and what is allowed, and a key id it does not serve", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		// Called on the instance, so the refusal stays a rejection here instead of an RPC error report.
		await runInDurableObject(stub, async (instance: KeyLimiterDO) => {
			await expect(
				instance.admit({ keyId, limits: limits({ maxConcurrent: -1 }), estimatedTokens: 0 }),
			).rejects.toThrow(/admit: limits\.maxConcurrent: .*got -1 \(number\)/);
			await instance.usage({ keyId });
			await expect(instance.usage({ keyId: "someone_else" })).rejects.toThrow(/this object serves/);
		});
	});
});
