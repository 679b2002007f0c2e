/**
 * Long-poll waiters: nodes blocked in `poll` until a job for one of their
 * models arrives. They are promises, so they live in memory only; a node
 * whose waiter is lost to eviction simply polls again.
 */
import type { LeasedJob } from "../../src/protocol/agent-wire.js";

export interface Waiter {
	nodeId: string;
	models: ReadonlySet<string>;
	maxJobs: number;
	resolve: (jobs: LeasedJob[]) => void;
}

interface Entry extends Waiter {
	timer: ReturnType<typeof setTimeout>;
}

/** One waiter per node, oldest first; a node's newer poll supersedes its older one. */
export class Waiters {
	readonly #byNode = new Map<string, Entry>();

	/**
	 * Registers a waiter that answers [] after `waitMs` unless a job reaches it first;
	 * `onTimeout` runs when it expires unanswered. Any older waiter of the node answers [] now.
	 */
	add(waiter: Waiter, waitMs: number, onTimeout: (nodeId: string) => void): void {
		this.supersede(waiter.nodeId);
		const timer = setTimeout(() => {
			if (this.#byNode.get(waiter.nodeId)?.timer !== timer) return;
			this.#byNode.delete(waiter.nodeId);
			waiter.resolve([]);
			onTimeout(waiter.nodeId);
		}, waitMs);
		this.#byNode.set(waiter.nodeId, { ...waiter, timer });
	}

	/** Answers the node's pending waiter with [] (it was superseded or its node left). */
	supersede(nodeId: string): void {
		const entry = this.#byNode.get(nodeId);
		if (!entry) return;
		clearTimeout(entry.timer);
		this.#byNode.delete(nodeId);
		entry.resolve([]);
	}

	/** Removes and returns the oldest waiter serving `model`, or undefined. */
	takeFor(model: string): Waiter | undefined {
		for (const [nodeId, entry] of this.#byNode) {
			if (!entry.models.has(model)) continue;
			clearTimeout(entry.timer);
			this.#byNode.delete(nodeId);
			return entry;
		}
		return undefined;
	}

	/** Whether the node has a poll open now (which makes it live). */
	has(nodeId: string): boolean {
		return this.#byNode.has(nodeId);
	}

	/** Node ids with a poll open now. */
	nodeIds(): string[] {
		return [...this.#byNode.keys()];
	}
}
