/**
 * Tracks whether the edge is reachable, so that an outage is logged once when
 * it starts and once when it ends, not on every retry.
 */
import type { Logger } from "./logger.js";

export class EdgeStatus {
	private down = false;
	private since = 0;

	constructor(private readonly logger: Logger) {}

	/** Records a failed call; logs only on the transition to unreachable. */
	failed(reason: string): void {
		if (this.down) return;
		this.down = true;
		this.since = Date.now();
		this.logger.warn("edge unreachable; retrying with backoff", { error: reason });
	}

	/** Records a successful call; logs only on the transition back. */
	ok(): void {
		if (!this.down) return;
		this.down = false;
		this.logger.info("edge reachable again", { downForMs: Date.now() - this.since });
	}
}
