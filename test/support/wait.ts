/**
 * Polling with a deadline, for conditions the harness cannot be told about
 * (a port opening, a model appearing in the router's cache). Errors carry the
 * last observation so a timeout says what was seen instead.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Calls `probe` every `intervalMs` (default 200) until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
	what: string,
	probe: () => Promise<T | undefined>,
	options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
	const deadline = Date.now() + options.timeoutMs;
	let last = "nothing yet";
	for (;;) {
		try {
			const value = await probe();
			if (value !== undefined) return value;
			last = "not ready";
		} catch (err) {
			last = err instanceof Error ? err.message : String(err);
		}
		if (Date.now() >= deadline)
			throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}; last: ${last}`);
		await sleep(options.intervalMs ?? 200);
	}
}
