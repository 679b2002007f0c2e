/**
 * Submit-to-receipt, measured at the agent: the client's wall-clock send time
 * of a request against the moment the agent had the job in hand. The agent
 * logs `job started` (JSON, with `ts` and `jobId`) synchronously when a poll
 * response hands it the job, so that line's stamp is the receipt time; the
 * edge's `x-arcnet-job-id` header links it to the request. Both clocks are the
 * same machine's. The agent's stamp has whole-ms resolution (truncated), so
 * each sample reads up to 1 ms low.
 */
import { z } from "zod";
import type { Timed } from "./measure.js";
import { type Summary, summarize } from "./stats.js";

const jobLineSchema = z.object({
	msg: z.enum(["job started", "job ended"]),
	jobId: z.string(),
	ts: z.iso.datetime(),
});

/** Collects the agent's job receipts (and job ends) from its JSON log lines. */
export class AgentReceipts {
	private readonly receivedAt = new Map<string, number>();
	private readonly endedAt = new Map<string, number>();

	/** Feeds one output line of the agent; lines other than `job started` / `job ended` are ignored. */
	readonly onLine = (line: string): void => {
		if (!line.startsWith("{")) return;
		let json: unknown;
		try {
			json = JSON.parse(line);
		} catch {
			return;
		}
		const parsed = jobLineSchema.safeParse(json);
		if (!parsed.success) return;
		const map = parsed.data.msg === "job started" ? this.receivedAt : this.endedAt;
		// The first line counts: a retried attempt would measure the retry, not the dispatch.
		if (!map.has(parsed.data.jobId)) map.set(parsed.data.jobId, Date.parse(parsed.data.ts));
	};

	/** Submit-to-receipt of `runs` (ms), with how many runs had a matching receipt. */
	summarize(runs: readonly Timed[]): Summary & { matched: number; wanted: number } {
		const samples = runs.flatMap((r) => {
			const at = r.jobId ? this.receivedAt.get(r.jobId) : undefined;
			return at === undefined ? [] : [at - r.sentAtEpochMs];
		});
		return { ...summarize(samples), matched: samples.length, wanted: runs.length };
	}

	/**
	 * Time inside the agent for `runs` (ms): from holding the job to `job ended`, which it logs once the
	 * edge acknowledged the last event post. It spans the backend call and the event post's round trip.
	 */
	inAgent(runs: readonly Timed[]): Summary {
		return summarize(
			runs.flatMap((r) => {
				const from = r.jobId ? this.receivedAt.get(r.jobId) : undefined;
				const to = r.jobId ? this.endedAt.get(r.jobId) : undefined;
				return from === undefined || to === undefined ? [] : [to - from];
			}),
		);
	}
}
