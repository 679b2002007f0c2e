/**
 * Tracks whether the edge is reachable and accepts this node, so that an
 * outage (network or 401) is logged once when it starts and once when it
 * ends, not on every retry, and so the status view can show the state.
 */
import type { Logger } from "./logger.js";

/** What the status view shows as the connection state. */
export type ConnectionState = "starting" | "connected" | "unreachable" | "unauthorised";

export class EdgeStatus {
	private current: ConnectionState = "starting";
	private since = 0;

	constructor(private readonly logger: Logger) {}

	/** The connection state after the last call. */
	get state(): ConnectionState {
		return this.current;
	}

	/** Records a failed call; logs only on the transition to unreachable. */
	failed(reason: string): void {
		if (this.current === "unreachable") return;
		this.enter("unreachable");
		this.logger.warn("edge unreachable; retrying with backoff", { error: reason });
	}

	/**
	 * Records a 401; logs only on the transition. The edge may be restarting
	 * with a cold key cache, or the key was rotated elsewhere: retrying is
	 * right, repeating the line every backoff step is not.
	 */
	unauthorised(reason: string): void {
		if (this.current === "unauthorised") return;
		this.enter("unauthorised");
		this.logger.error(
			"the edge does not accept this node's key (401); retrying. If it persists, check the clock; after rotate-key, restart the agent; or enroll again",
			{ error: reason },
		);
	}

	/** Records a successful call; logs only on the transition back. */
	ok(): void {
		const was = this.current;
		if (was === "connected") return;
		this.current = "connected";
		if (was === "starting") return;
		this.logger.info(was === "unauthorised" ? "edge accepts this node again" : "edge reachable again", {
			downForMs: Date.now() - this.since,
		});
	}

	private enter(state: ConnectionState): void {
		if (this.current === "connected" || this.current === "starting") this.since = Date.now();
		this.current = state;
	}
}
