/**
 * The chaos test's clients, one per planned job, each behaving as a careful
 * OpenAI client would: a request the edge provably never received (connection
 * refused, or 503/429 `no_capacity`, which means nothing was accepted) is sent
 * again; a sync or streaming request whose connection broke is not (the job
 * may be running), and counts as an error the client saw. Async submissions
 * carry an Idempotency-Key, so they are re-sent on any transport failure, and
 * status reads are retried until the job is terminal.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EdgeEndpoint } from "../../support/edge-client.js";
import { parseSseData } from "../../support/sse.js";
import type { ClientOutcome } from "./client-outcome.js";
import type { PlannedJob } from "./workload.js";

/** Limits of one client. */
export interface ClientLimits {
	/** Longest one HTTP request may take (ms). */
	requestTimeoutMs: number;
	/** Longest a client keeps re-sending or polling before it gives up (ms). */
	deadlineMs: number;
	/** Most re-sends after no_capacity. */
	maxCapacityRetries: number;
}

/** Defaults: 60 s per request, 90 s per job, 6 re-sends after no_capacity. */
export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
	requestTimeoutMs: 60_000,
	deadlineMs: 90_000,
	maxCapacityRetries: 6,
};

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "expired"]);

/** The transport cause of a failed fetch (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET…), or the error's name. */
export function transportCode(err: unknown): string {
	const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
	if (cause && typeof cause.code === "string") return cause.code;
	return err instanceof Error ? err.name : "unknown";
}

function errorOf(text: string): { code: string; message: string } {
	try {
		const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
		return { code: String(json.error?.code ?? "no_code"), message: String(json.error?.message ?? text.slice(0, 200)) };
	} catch {
		return { code: "not_json", message: text.slice(0, 200) };
	}
}

type Attempt =
	| { kind: "response"; res: Response }
	| { kind: "refused" }
	| { kind: "broken"; code: string; message: string };

/** Sends a request until the edge takes it (not refused, not no_capacity) or the limits run out. */
async function send(
	url: string,
	init: () => RequestInit,
	limits: ClientLimits,
	outcome: ClientOutcome,
	resendOnAnyTransportError: boolean,
): Promise<Attempt> {
	const deadline = Date.now() + limits.deadlineMs;
	let capacityRetries = 0;
	for (;;) {
		let res: Response;
		try {
			res = await fetch(url, { ...init(), signal: AbortSignal.timeout(limits.requestTimeoutMs) });
		} catch (err) {
			const code = transportCode(err);
			if ((code === "ECONNREFUSED" || resendOnAnyTransportError) && Date.now() < deadline) {
				outcome.resends++;
				await sleep(250);
				continue;
			}
			if (code === "ECONNREFUSED") return { kind: "refused" };
			return { kind: "broken", code, message: err instanceof Error ? err.message : String(err) };
		}
		const capacity = (res.status === 503 || res.status === 429) && res.headers.has("retry-after");
		if (capacity && capacityRetries < limits.maxCapacityRetries && Date.now() < deadline) {
			let text: string;
			try {
				text = await res.text();
			} catch (err) {
				if (resendOnAnyTransportError && Date.now() < deadline) continue;
				return { kind: "broken", code: transportCode(err), message: err instanceof Error ? err.message : String(err) };
			}
			if (errorOf(text).code === "no_capacity" || res.status === 429) {
				capacityRetries++;
				outcome.resends++;
				await sleep(Math.min(1_000, Number(res.headers.get("retry-after")) * 1_000 || 500));
				continue;
			}
			return { kind: "response", res: new Response(text, { status: res.status, headers: res.headers }) };
		}
		return { kind: "response", res };
	}
}

function fail(outcome: ClientOutcome, status: number, text: string): ClientOutcome {
	const { code, message } = errorOf(text);
	outcome.status = status;
	outcome.errorCode = code;
	outcome.errorMessage = message;
	outcome.result = (status === 503 || status === 429) && code === "no_capacity" ? "refused" : "error";
	return outcome;
}

function transportEnd(outcome: ClientOutcome, attempt: Exclude<Attempt, { kind: "response" }>): ClientOutcome {
	if (attempt.kind === "refused") return { ...outcome, result: "refused", errorCode: "ECONNREFUSED" };
	return { ...outcome, result: "broken", errorCode: attempt.code, errorMessage: attempt.message };
}

function chatInit(edge: EdgeEndpoint, body: unknown, extra: Record<string, string> = {}): () => RequestInit {
	const headers = { authorization: `Bearer ${edge.devApiKey}`, "content-type": "application/json", ...extra };
	return () => ({ method: "POST", headers, body: JSON.stringify(body) });
}

async function runSync(edge: EdgeEndpoint, job: PlannedJob, limits: ClientLimits, o: ClientOutcome) {
	const attempt = await send(
		`${edge.url}/v1/chat/completions`,
		chatInit(edge, { model: job.model, messages: job.messages }),
		limits,
		o,
		false,
	);
	if (attempt.kind !== "response") return transportEnd(o, attempt);
	const { res } = attempt;
	o.jobId = res.headers.get("x-arcnet-job-id") ?? undefined;
	let text: string;
	try {
		text = await res.text();
	} catch (err) {
		return { ...o, status: res.status, result: "broken" as const, errorCode: transportCode(err) };
	}
	if (res.status !== 200) return fail(o, res.status, text);
	const json = JSON.parse(text) as { choices?: { message?: { content?: unknown } }[] };
	o.status = 200;
	o.content = String(json.choices?.[0]?.message?.content ?? "");
	o.result = "succeeded";
	return o;
}

async function runStream(edge: EdgeEndpoint, job: PlannedJob, limits: ClientLimits, o: ClientOutcome) {
	const body = { model: job.model, messages: job.messages, stream: true, stream_options: { include_usage: true } };
	const attempt = await send(`${edge.url}/v1/chat/completions`, chatInit(edge, body), limits, o, false);
	if (attempt.kind !== "response") return transportEnd(o, attempt);
	const { res } = attempt;
	o.status = res.status;
	let text = "";
	let broken: string | undefined;
	try {
		text = await res.text();
	} catch (err) {
		broken = transportCode(err);
	}
	if (res.status !== 200) return fail(o, res.status, text);
	type Chunk = {
		choices?: { delta?: { content?: string } }[];
		error?: { code?: unknown; message?: unknown };
		arcnet?: { job_id: string };
	};
	// A broken stream leaves a partial last event: keep only complete ones.
	const complete = broken ? text.slice(0, text.lastIndexOf("\n\n") + 2) : text;
	const events = parseSseData(complete) as (Chunk | string)[];
	const chunks = events.filter((e): e is Chunk => typeof e === "object");
	// A stream's headers go out before its job may move zones: the final chunk's arcnet names its job.
	o.jobId = chunks.flatMap((c) => (c.arcnet ? [c.arcnet.job_id] : [])).at(-1);
	o.deltas = chunks.flatMap((c) => (c.choices ?? []).map((ch) => ch.delta?.content ?? "")).filter((d) => d !== "");
	o.content = o.deltas.join("");
	const error = chunks.find((c) => c.error)?.error;
	if (error)
		return { ...o, result: "error" as const, errorCode: String(error.code), errorMessage: String(error.message) };
	if (broken) return { ...o, result: "broken" as const, errorCode: broken };
	if (events.at(-1) !== "[DONE]") return { ...o, result: "error" as const, errorCode: "no_done_marker" };
	o.result = "succeeded";
	return o;
}

/**
 * Submits an async job until its id is read. The Idempotency-Key makes a re-send safe, so an
 * answer whose body broke mid-read (a cut link, a Worker restart) is sent again, not given up.
 */
async function submitAsync(
	edge: EdgeEndpoint,
	init: () => RequestInit,
	limits: ClientLimits,
	o: ClientOutcome,
): Promise<{ id: string } | ClientOutcome> {
	const deadline = Date.now() + limits.deadlineMs;
	for (;;) {
		const attempt = await send(`${edge.url}/v1/jobs`, init, limits, o, true);
		if (attempt.kind !== "response") return transportEnd(o, attempt);
		let text: string;
		try {
			text = await attempt.res.text();
		} catch (err) {
			if (Date.now() >= deadline) return { ...o, result: "broken", errorCode: transportCode(err) };
			o.resends++;
			await sleep(250);
			continue;
		}
		// A re-sent request whose first copy was accepted (its answer lost to a cut link or a restart)
		// is answered 200 with Idempotent-Replayed: the same job, not a second one.
		const replayed = attempt.res.status === 200 && attempt.res.headers.get("idempotent-replayed") === "true";
		if (attempt.res.status !== 202 && !replayed) return fail(o, attempt.res.status, text);
		return { id: String((JSON.parse(text) as { id?: unknown }).id) };
	}
}

async function runAsync(edge: EdgeEndpoint, job: PlannedJob, limits: ClientLimits, o: ClientOutcome) {
	const init = chatInit(
		edge,
		{ request: { model: job.model, messages: job.messages } },
		{ "idempotency-key": job.tag },
	);
	const submitted = await submitAsync(edge, init, limits, o);
	if ("result" in submitted) return submitted;
	const { id } = submitted;
	o.jobId = id;
	const deadline = Date.now() + limits.deadlineMs;
	while (Date.now() < deadline) {
		await sleep(300);
		let res: Response;
		let body: string;
		try {
			res = await fetch(`${edge.url}/v1/jobs/${id}`, {
				headers: { authorization: `Bearer ${edge.devApiKey}` },
				signal: AbortSignal.timeout(limits.requestTimeoutMs),
			});
			body = await res.text();
		} catch {
			o.pollRetries++;
			continue;
		}
		o.status = res.status;
		if (res.status >= 500) {
			o.pollRetries++;
			continue;
		}
		if (res.status !== 200) return fail(o, res.status, body);
		type JobObject = {
			status: string;
			result: { choices?: { message?: { content?: unknown } }[] } | null;
			error: { code?: unknown; message?: unknown } | null;
		};
		const jobObject = JSON.parse(body) as JobObject;
		if (!TERMINAL.has(jobObject.status)) continue;
		if (jobObject.status === "succeeded") {
			o.content = String(jobObject.result?.choices?.[0]?.message?.content ?? "");
			o.result = "succeeded";
			return o;
		}
		o.errorCode = String(jobObject.error?.code ?? jobObject.status);
		o.errorMessage = String(jobObject.error?.message ?? "");
		o.result = "error";
		return o;
	}
	return { ...o, result: "error" as const, errorCode: "client_poll_deadline" };
}

/** Runs one planned job as its client and returns what the client saw. Never throws. */
export async function runClient(
	edge: EdgeEndpoint,
	job: PlannedJob,
	limits: ClientLimits = DEFAULT_CLIENT_LIMITS,
): Promise<ClientOutcome> {
	const startedAt = Date.now();
	const outcome: ClientOutcome = {
		index: job.index,
		tag: job.tag,
		kind: job.kind,
		result: "error",
		resends: 0,
		pollRetries: 0,
		startedAt,
		endedAt: startedAt,
	};
	try {
		const run = job.kind === "sync" ? runSync : job.kind === "stream" ? runStream : runAsync;
		return { ...(await run(edge, job, limits, outcome)), endedAt: Date.now() };
	} catch (err) {
		return {
			...outcome,
			endedAt: Date.now(),
			result: "error",
			errorCode: "client_exception",
			errorMessage: err instanceof Error ? err.message : String(err),
		};
	}
}

/** Whether the edge serves the async jobs API (POST /v1/jobs is a route, not 404 unknown_route). */
export async function edgeHasAsyncJobs(edge: EdgeEndpoint): Promise<boolean> {
	const res = await fetch(`${edge.url}/v1/jobs`, {
		method: "POST",
		headers: { authorization: `Bearer ${edge.devApiKey}`, "content-type": "application/json" },
		body: "{}",
		signal: AbortSignal.timeout(10_000),
	});
	const text = await res.text();
	return !(res.status === 404 && errorOf(text).code === "unknown_route");
}
