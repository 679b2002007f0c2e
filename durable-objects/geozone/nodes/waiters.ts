/**
 * Long-poll waiters: nodes blocked in `poll` until a job for one of their
 * models arrives. They are promises, so they live in memory only; a node
 * whose waiter is lost to eviction simply polls again.
 *
 * Deadlines share one timer, armed for the earliest of them: a poll costs no
 * timer of its own (setTimeout and clearTimeout are among the dearest calls on
 * a job's path), and since polls wait the same time, a new one rarely moves it.
 */
import type { LeasedJob } from "../../../src/protocol/agent-wire.js";
import type { OpenAiEndpoint } from "../../../src/protocol/model-serving.js";
import { type ServedEndpoints, serves } from "./node-serving.js";

export interface Waiter {
	nodeId: string;
	/** The node's models, each with the endpoints it serves it on. */
	served: ServedEndpoints;
	maxJobs: number;
	resolve: (jobs: LeasedJob[]) => void;
	/**
	 * A channel poll's way to send its answer synchronously, before the zone writes the lease
	 * (dispatch.ts, takeFresh): false when it could not be sent (the socket closed). HTTP polls have none:
	 * their answer is an RPC result, which leaves only after the turn's writes are committed anyway.
	 */
	sendNow?: (jobs: LeasedJob[]) => boolean;
	/** The node's declared own gCO2eq/kWh (node-intensity.ts); absent: it runs on the zone's grid. */
	ownGco2PerKwh?: number;
}

interface Entry extends Waiter {
	/** When it answers [] unless a job reaches it first (epoch ms). */
	deadline: number;
	onTimeout: (nodeId: string) => void;
}

/** One waiter per node, oldest first; a node's newer poll supersedes its older one. */
export class Waiters {
	readonly #byNode = new Map<string, Entry>();
	readonly #now: () => number;
	#timer: ReturnType<typeof setTimeout> | null = null;
	/** When the armed timer fires (epoch ms). */
	#timerAt = 0;

	constructor(now: () => number = Date.now) {
		this.#now = now;
	}

	/**
	 * Registers a waiter that answers [] after `waitMs` unless a job reaches it first;
	 * `onTimeout` runs when it expires unanswered. Any older waiter of the node answers [] now.
	 */
	add(waiter: Waiter, waitMs: number, onTimeout: (nodeId: string) => void): void {
		this.supersede(waiter.nodeId);
		const deadline = this.#now() + waitMs;
		this.#byNode.set(waiter.nodeId, { ...waiter, deadline, onTimeout });
		if (this.#timer === null || deadline < this.#timerAt) this.#arm(deadline);
	}

	/** Answers the node's pending waiter with [] (it was superseded or its node left). */
	supersede(nodeId: string): void {
		const entry = this.#byNode.get(nodeId);
		if (!entry) return;
		this.#byNode.delete(nodeId);
		entry.resolve([]);
	}

	/**
	 * Removes and returns a waiter serving `endpoint` for `model`, or undefined. Given the
	 * zone's grid figure, it is the one on the cleanest power (a node without
	 * a declared figure counts at the grid's), the oldest among equals;
	 * without one, the oldest.
	 */
	takeFor(model: string, endpoint: OpenAiEndpoint, gridGco2PerKwh?: number | null): Waiter | undefined {
		let best: Entry | undefined;
		let bestRank = Number.POSITIVE_INFINITY;
		for (const entry of this.#byNode.values()) {
			if (!serves(entry.served, model, endpoint)) continue;
			if (gridGco2PerKwh === undefined || gridGco2PerKwh === null) {
				best = entry;
				break;
			}
			const rank = entry.ownGco2PerKwh ?? gridGco2PerKwh;
			if (best === undefined || rank < bestRank) {
				best = entry;
				bestRank = rank;
			}
		}
		if (best) this.#byNode.delete(best.nodeId);
		return best;
	}

	/** Replaces what the node's open poll serves (its telemetry changed); false when it has none open. */
	reserve(nodeId: string, served: ServedEndpoints): boolean {
		const entry = this.#byNode.get(nodeId);
		if (!entry) return false;
		entry.served = served;
		return true;
	}

	/** Whether any poll is open now. */
	get size(): number {
		return this.#byNode.size;
	}

	/** Whether an open poll serves `endpoint` for `model` (its node is live, so a job for it can be accepted). */
	serves(model: string, endpoint: OpenAiEndpoint): boolean {
		for (const entry of this.#byNode.values()) if (serves(entry.served, model, endpoint)) return true;
		return false;
	}

	/** Whether the node has a poll open now (which makes it live). */
	has(nodeId: string): boolean {
		return this.#byNode.has(nodeId);
	}

	/** Node ids with a poll open now. */
	nodeIds(): string[] {
		return [...this.#byNode.keys()];
	}

	#arm(at: number): void {
		if (this.#timer !== null) clearTimeout(this.#timer);
		this.#timerAt = at;
		this.#timer = setTimeout(() => this.#expire(), Math.max(0, at - this.#now()));
	}

	/** Answers [] to every waiter whose deadline passed, then arms the timer for the next one. */
	#expire(): void {
		this.#timer = null;
		const now = this.#now();
		let next: number | null = null;
		for (const [nodeId, entry] of this.#byNode) {
			if (entry.deadline > now) {
				if (next === null || entry.deadline < next) next = entry.deadline;
				continue;
			}
			this.#byNode.delete(nodeId);
			entry.resolve([]);
			entry.onTimeout(nodeId);
		}
		if (next !== null) this.#arm(next);
	}
}
