/**
 * One streamed job of the load test, timed per token: the client's send, the
 * arrival of each filler token (fake-openai-fill.ts) at the client, and the
 * fake server's send time of the same token, all on this process's clock
 * (the fake server runs in it). What the path adds to a token's gap is the
 * gap between its arrival and the previous token's, less the same gap at the
 * server.
 */
import { fillIndices } from "../../test/support/fake-openai-fill.js";

/** What one job measured. */
export interface JobSample {
	ok: boolean;
	/** Why it failed (status and body, a stream that ended short, a timeout). */
	error?: string;
	jobId: string | null;
	tokens: number;
	/** performance.now() when the request was sent and when its stream ended. */
	sentAt: number;
	endedAt: number;
	/** Client send to the first token's arrival, in ms (NaN when none arrived). */
	firstTokenMs: number;
	/** Per token after the first: arrival gap − server gap, in ms. */
	addedGapsMs: number[];
	/** Per token: arrival − server send, in ms. */
	tokenDelaysMs: number[];
	/**
	 * Distinct arrival times of the job's tokens: each backend chunk travels as an event of its own, but the events of
	 * one agent post reach the client together, so this counts the posts that carried output (closely, not exactly).
	 */
	bursts: number;
}

/** The request of one job and where its tokens' times are recorded. */
export interface JobRequest {
	url: string;
	apiKey: string;
	model: string;
	/** The prompt; the fake server reports each token's send time under it. */
	prompt: string;
	tokens: number;
	/** Filled by the fake server's onTokenSent (NaN until sent). */
	serverSentAt: Float64Array;
	timeoutMs: number;
}

const deltaContent = (payload: string): string | undefined => {
	const parsed: unknown = JSON.parse(payload);
	if (typeof parsed !== "object" || parsed === null) return undefined;
	if ("error" in parsed) throw new Error(`error event in the stream: ${payload.slice(0, 300)}`);
	const choices = "choices" in parsed && Array.isArray(parsed.choices) ? parsed.choices : [];
	const delta: unknown = choices[0]?.delta;
	return typeof delta === "object" && delta !== null && "content" in delta && typeof delta.content === "string"
		? delta.content
		: undefined;
};

/** Sends `job` and reads its stream to the end; never throws (a failure is a sample with ok false). */
export async function runStreamJob(job: JobRequest): Promise<JobSample> {
	const sentAt = performance.now();
	const arrivedAt = new Float64Array(job.tokens).fill(Number.NaN);
	let jobId: string | null = null;
	let done = false;
	let error: string | undefined;
	try {
		const res = await fetch(job.url, {
			method: "POST",
			headers: { authorization: `Bearer ${job.apiKey}`, "content-type": "application/json" },
			body: JSON.stringify({
				model: job.model,
				messages: [{ role: "user", content: job.prompt }],
				stream: true,
				max_tokens: job.tokens,
			}),
			signal: AbortSignal.timeout(job.timeoutMs),
		});
		jobId = res.headers.get("x-arcnet-job-id");
		if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
		const decoder = new TextDecoder();
		let buffer = "";
		const reader = res.body.getReader();
		for (;;) {
			const { done: ended, value: bytes } = await reader.read();
			if (ended) break;
			const now = performance.now();
			buffer += decoder.decode(bytes, { stream: true });
			const events = buffer.split("\n\n");
			buffer = events.pop() ?? "";
			for (const event of events) {
				for (const line of event.split("\n")) {
					if (!line.startsWith("data:")) continue;
					const payload = line.slice(5).trim();
					if (payload === "[DONE]") {
						done = true;
						continue;
					}
					const content = deltaContent(payload);
					if (!content) continue;
					for (const i of fillIndices(content)) if (i < job.tokens) arrivedAt[i] = now;
				}
			}
		}
		const missing = arrivedAt.reduce((n, t) => (Number.isNaN(t) ? n + 1 : n), 0);
		if (!done || missing > 0)
			throw new Error(`stream ended ${done ? "" : "without [DONE] "}with ${missing} tokens missing`);
	} catch (err) {
		error = err instanceof Error ? err.message : String(err);
	}
	const addedGapsMs: number[] = [];
	const tokenDelaysMs: number[] = [];
	for (let i = 0; i < job.tokens; i++) {
		const a = arrivedAt[i] ?? Number.NaN;
		const s = job.serverSentAt[i] ?? Number.NaN;
		if (Number.isNaN(a) || Number.isNaN(s)) continue;
		tokenDelaysMs.push(a - s);
		const prevA = arrivedAt[i - 1] ?? Number.NaN;
		const prevS = job.serverSentAt[i - 1] ?? Number.NaN;
		if (i > 0 && !Number.isNaN(prevA) && !Number.isNaN(prevS)) addedGapsMs.push(a - prevA - (s - prevS));
	}
	return {
		ok: error === undefined,
		...(error === undefined ? {} : { error }),
		jobId,
		tokens: job.tokens,
		sentAt,
		endedAt: performance.now(),
		firstTokenMs: (arrivedAt[0] ?? Number.NaN) - sentAt,
		addedGapsMs,
		tokenDelaysMs,
		bursts: new Set(arrivedAt.filter((t) => !Number.isNaN(t))).size,
	};
}
