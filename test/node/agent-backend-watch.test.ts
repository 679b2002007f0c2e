/**
 * BackendWatch: the model list behind polls and telemetry. A listing that
 * hangs is cut at its timeout, a refresh never overlaps another, and a backend
 * that stops answering is logged once when it stops and once when it is back.
 */
import { describe, expect, it } from "vitest";
import { BackendWatch } from "../../node-agent/src/backend-watch.js";
import type { Backend } from "../../node-agent/src/backends/types.js";
import { createLogger } from "../../node-agent/src/logger.js";
import { waitFor } from "./agent-fake-edge.js";

/** A backend whose listings follow `mode`: answer, fail at once, or hang until their signal aborts. */
function scriptedBackend() {
	const state = { mode: "answer" as "answer" | "fail" | "hang", calls: 0, cut: 0 };
	const backend: Backend = {
		kind: "openai",
		listModels(signal) {
			state.calls++;
			if (state.mode === "answer") return Promise.resolve(["m-1"]);
			if (state.mode === "fail") return Promise.reject(new Error("connection refused"));
			return new Promise((_, reject) => {
				const onAbort = () => {
					state.cut++;
					reject(signal?.reason);
				};
				signal?.addEventListener("abort", onAbort, { once: true });
			});
		},
		chat() {
			throw new Error("not used");
		},
	};
	return { state, backend };
}

function watch(backend: Backend) {
	const lines: Record<string, unknown>[] = [];
	const logger = createLogger({ format: "json", level: "info", write: (l) => lines.push(JSON.parse(l)) });
	return { lines, watch: new BackendWatch({ backend, logger, timeoutMs: 100 }) };
}

describe("agent backend watch", () => {
	it("cuts a hung listing at its timeout, keeps the last models, and logs the outage and the recovery once each", async () => {
		const { state, backend } = scriptedBackend();
		const { lines, watch: w } = watch(backend);
		await w.discover(new AbortController().signal);
		expect(w.models).toEqual(["m-1"]);
		state.mode = "hang";
		for (let i = 0; i < 3; i++) {
			const calls = state.calls;
			w.refresh();
			// One at a time: a second refresh while the first hangs starts nothing.
			w.refresh();
			expect(state.calls).toBe(calls + 1);
			await waitFor("the listing to time out", () => state.cut === i + 1);
			// The refresh's own settling runs a few microtasks after the cut.
			await new Promise((r) => setImmediate(r));
		}
		expect(w.problem).toMatch(/^model list: no answer within 100 ms/);
		expect(w.models).toEqual(["m-1"]);
		state.mode = "answer";
		w.refresh();
		await waitFor("recovery", () => w.problem === null);
		const msgs = lines.map((l) => l.msg);
		expect(msgs.filter((m) => m === "backend stopped answering; keeping its last model list")).toHaveLength(1);
		expect(msgs.filter((m) => m === "backend answers again")).toHaveLength(1);
	});

	it("stops discovering when the agent shuts down while the backend is not up", async () => {
		const { state, backend } = scriptedBackend();
		state.mode = "fail";
		const { watch: w } = watch(backend);
		const stop = new AbortController();
		const discovering = w.discover(stop.signal);
		await waitFor("a failed listing", () => state.calls > 0);
		stop.abort();
		await discovering;
		expect(w.models).toEqual([]);
	});
});
