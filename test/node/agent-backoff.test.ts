import { describe, expect, it } from "vitest";
import { Backoff } from "../../node-agent/src/backoff.js";

describe("agent backoff", () => {
	it("doubles the ceiling per attempt up to the cap", () => {
		const b = new Backoff({ baseMs: 250, capMs: 15_000, random: () => 0.999_999 });
		const delays = Array.from({ length: 10 }, () => b.next());
		expect(delays.slice(0, 6)).toEqual([249, 499, 999, 1999, 3999, 7999]);
		for (const d of delays.slice(6)) expect(d).toBe(14_999);
	});

	it("draws every delay within [0, ceiling) with full jitter", () => {
		const b = new Backoff({ baseMs: 100, capMs: 1000 });
		for (let i = 0; i < 200; i++) {
			const ceiling = b.ceiling();
			const d = b.next();
			expect(d).toBeGreaterThanOrEqual(0);
			expect(d).toBeLessThan(ceiling);
		}
		const zero = new Backoff({ baseMs: 100, capMs: 1000, random: () => 0 });
		expect(zero.next()).toBe(0);
	});

	it("starts again from the base after reset", () => {
		const b = new Backoff({ baseMs: 100, capMs: 10_000, random: () => 0.5 });
		b.next();
		b.next();
		b.next();
		expect(b.attempts).toBe(3);
		b.reset();
		expect(b.attempts).toBe(0);
		expect(b.next()).toBe(50);
	});

	it("stays finite after very many attempts", () => {
		const b = new Backoff({ baseMs: 250, capMs: 15_000, random: () => 0.5 });
		for (let i = 0; i < 5000; i++) b.next();
		expect(b.next()).toBe(7500);
	});

	it("refuses a cap below the base", () => {
		expect(() => new Backoff({ baseMs: 500, capMs: 100 })).toThrow(
			/capMs: expected a number >= baseMs \(500\), got 100/,
		);
	});
});
