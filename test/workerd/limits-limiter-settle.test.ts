/**
 * A finish is applied to the limiter's mirror at once and written to SQLite
 * within SETTLE_WRITE_DELAY_MS, in one batch with the other finishes; an
 * instance lost before that counts the permit until it expires: too much,
 * never too little.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SETTLE_WRITE_DELAY_MS } from "../../durable-objects/key-limiter/mirror-writes.js";
import { KeyLimiterDO } from "../../durable-objects/key-limiter-do.js";
import { limiter, limits, newKeyId, permitOf } from "./limiter-fixtures.js";

const one = limits({ maxConcurrent: 1, dailyTokens: 1_000 });

const rows = (keyId: string) =>
	runInDurableObject(limiter(keyId), (_i, state) => ({
		permits: state.storage.sql.exec("SELECT permit_id FROM permits").toArray().length,
		used: state.storage.sql.exec<{ u: number | null }>("SELECT sum(used_tokens) AS u FROM token_days").one().u ?? 0,
	}));

// The object's settle timer is faked (only setTimeout and clearTimeout): each test moves it past
// SETTLE_WRITE_DELAY_MS instead of waiting for it.
beforeEach(() => {
	vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
	vi.useRealTimers();
});

/** Runs the settle timer the finishes started, inside the object (its storage is only reachable from there). */
const settle = (stub: ReturnType<typeof limiter>) =>
	runInDurableObject(stub, () => {
		vi.advanceTimersByTime(SETTLE_WRITE_DELAY_MS);
	});

describe("KeyLimiterDO: a finish written after its answer", () => {
	it("releases the slot at once; the next admission does not write it, the settle timer does", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const first = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 100 }));
		expect(await stub.finish({ keyId, permitId: first, usedTokens: 40 })).toEqual({
			released: true,
			chargedTokens: 40,
		});
		// Not written yet; the mirror has released the one slot and charged the 40 tokens.
		expect(await rows(keyId)).toEqual({ permits: 1, used: 0 });
		expect(await stub.usage({ keyId })).toMatchObject({ inFlight: 0, tokensUsedToday: 40, tokensReservedToday: 0 });
		// usage wrote it; the next release waits for the timer even though admissions follow.
		const second = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 100 }));
		await stub.finish({ keyId, permitId: second, usedTokens: 5 });
		const third = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 100 }));
		expect(await rows(keyId)).toEqual({ permits: 2, used: 40 });
		await settle(stub);
		expect(await rows(keyId)).toEqual({ permits: 1, used: 45 });
		const left = await runInDurableObject(stub, (_i, state) =>
			state.storage.sql.exec<{ permit_id: string }>("SELECT permit_id FROM permits").one(),
		);
		expect(left.permit_id).toBe(third);
	});

	it("writes the finishes of one second together, when the timer fires", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const many = limits({ maxConcurrent: 10, dailyTokens: 1_000 });
		const permits = [];
		for (let i = 0; i < 5; i++) permits.push(permitOf(await stub.admit({ keyId, limits: many, estimatedTokens: 10 })));
		for (const permitId of permits) await stub.finish({ keyId, permitId, usedTokens: 3 });
		expect(await rows(keyId)).toEqual({ permits: 5, used: 0 });
		await settle(stub);
		expect(await rows(keyId)).toEqual({ permits: 0, used: 15 });
	});

	it("writes a release on its own when no admission follows", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const permit = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 100 }));
		await stub.finish({ keyId, permitId: permit, usedTokens: 7 });
		await settle(stub);
		expect(await rows(keyId)).toEqual({ permits: 0, used: 7 });
	});

	it("counts a release lost before it was written as still in flight: too much, never too little", async () => {
		const keyId = newKeyId();
		const stub = limiter(keyId);
		const permit = permitOf(await stub.admit({ keyId, limits: one, estimatedTokens: 100 }));
		await stub.finish({ keyId, permitId: permit, usedTokens: 7 });
		await runInDurableObject(stub, async (_i, state) => {
			// A new instance over the same storage, as after a crash before the write.
			const fresh = new KeyLimiterDO(state, env);
			expect(await fresh.usage({ keyId })).toMatchObject({ inFlight: 1, tokensUsedToday: 0, tokensReservedToday: 100 });
			expect(await fresh.admit({ keyId, limits: one, estimatedTokens: 0 })).toMatchObject({
				admitted: false,
				reason: "concurrency",
			});
		});
	});
});
