/**
 * A timeout signal that is let go as soon as its work ends. AbortSignal.timeout
 * keeps its timer (and AbortSignal.any its link to the parent signal) until the
 * timer fires or a major GC collects it: an idle agent that makes a request
 * every few seconds piled them up in resident memory. Here the timer is
 * cleared and the parent's listener removed by release().
 */

/** A signal that aborts after `ms`, or when its parent aborts, until released. */
export interface Deadline {
	readonly signal: AbortSignal;
	/** True once the time ran out (not when the parent aborted). */
	readonly timedOut: boolean;
	/** Clears the timer and stops following the parent; call it when the work ends, however it ends. */
	release(): void;
}

/** Starts a deadline of `ms`; an aborted parent aborts it at once, with the parent's reason. */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
	const controller = new AbortController();
	let timedOut = false;
	const onParentAbort = () => controller.abort(parent?.reason);
	const timer = setTimeout(() => {
		timedOut = true;
		controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError"));
	}, ms);
	if (parent?.aborted) onParentAbort();
	else parent?.addEventListener("abort", onParentAbort, { once: true });
	return {
		signal: controller.signal,
		get timedOut() {
			return timedOut;
		},
		release() {
			clearTimeout(timer);
			parent?.removeEventListener("abort", onParentAbort);
		},
	};
}
