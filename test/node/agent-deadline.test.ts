/**
 * The agent's request deadlines: a timeout that ends when its work ends. The
 * timer and the parent signal's listener go at release, where
 * AbortSignal.timeout and AbortSignal.any kept them until a major GC; an idle
 * agent's memory grew with them.
 */
import { describe, expect, it } from "vitest";
import { deadline } from "../../node-agent/src/deadline.js";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("agent deadline", () => {
	it("aborts with a TimeoutError once the time runs out", async () => {
		const d = deadline(20);
		expect(d.signal.aborted).toBe(false);
		await wait(60);
		expect(d.signal.aborted).toBe(true);
		expect(d.timedOut).toBe(true);
		expect((d.signal.reason as DOMException).name).toBe("TimeoutError");
		d.release();
	});

	it("follows its parent's abort and reason, which is not a timeout", () => {
		const parent = new AbortController();
		const d = deadline(10_000, parent.signal);
		parent.abort("shutdown");
		expect(d.signal.aborted).toBe(true);
		expect(d.signal.reason).toBe("shutdown");
		expect(d.timedOut).toBe(false);
		d.release();
	});

	it("starts aborted under an aborted parent", () => {
		const parent = new AbortController();
		parent.abort("gone");
		const d = deadline(10_000, parent.signal);
		expect(d.signal.reason).toBe("gone");
		d.release();
	});

	it("lets go of its timer and its parent at release", async () => {
		const parent = new AbortController();
		let listeners = 0;
		const add = parent.signal.addEventListener.bind(parent.signal);
		const remove = parent.signal.removeEventListener.bind(parent.signal);
		parent.signal.addEventListener = (...args: Parameters<typeof add>) => {
			listeners++;
			add(...args);
		};
		parent.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
			listeners--;
			remove(...args);
		};
		const d = deadline(20, parent.signal);
		expect(listeners).toBe(1);
		d.release();
		expect(listeners).toBe(0);
		await wait(60);
		parent.abort("late");
		expect(d.signal.aborted).toBe(false);
	});
});
