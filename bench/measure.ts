/**
 * One timed request, the same way for both paths (through the edge and
 * straight to the inference server), so the only difference between the two
 * samples is the route the request took.
 */
import { parseSseData, readWithFirstByte } from "../test/support/sse.js";

/** The result of one timed request. */
export interface Timed {
	/** From just before fetch() to the last body byte, in ms. */
	totalMs: number;
	/** From just before fetch() to the first body byte, in ms. */
	firstByteMs: number;
	/** Wall-clock time just before fetch(), in epoch ms with sub-ms precision (to compare with the agent's log stamps). */
	sentAtEpochMs: number;
	status: number;
	/** The edge's job id: x-arcnet-job-id, or a stream's final `arcnet.job_id` (its headers name no job). */
	jobId: string | null;
	text: string;
}

/** POSTs `body` as JSON to `url` and times it; rejects on a non-2xx status. */
export async function timedPost(url: string, headers: Record<string, string>, body: unknown): Promise<Timed> {
	const payload = JSON.stringify(body);
	const startedAt = performance.now();
	const sentAtEpochMs = performance.timeOrigin + startedAt;
	const res = await fetch(url, {
		method: "POST",
		headers: { "content-type": "application/json", ...headers },
		body: payload,
		signal: AbortSignal.timeout(30_000),
	});
	const { firstByteMs, text } = await readWithFirstByte(res, startedAt);
	const totalMs = performance.now() - startedAt;
	if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 500)}`);
	const jobId = res.headers.get("x-arcnet-job-id") ?? streamedJobId(res, text);
	return { totalMs, firstByteMs, sentAtEpochMs, status: res.status, jobId, text };
}

/** The `arcnet.job_id` of an edge's SSE answer (on its final chunk); null for any other answer. */
function streamedJobId(res: Response, text: string): string | null {
	if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) return null;
	for (const event of parseSseData(text).reverse()) {
		const arcnet = typeof event === "object" && event !== null && "arcnet" in event ? event.arcnet : undefined;
		if (typeof arcnet === "object" && arcnet !== null && "job_id" in arcnet && typeof arcnet.job_id === "string")
			return arcnet.job_id;
	}
	return null;
}
