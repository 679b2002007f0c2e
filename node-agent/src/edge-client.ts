/**
 * HTTP client for the edge's agent API (`/agent/v1/*`). It signs requests,
 * validates every answer against the wire schemas, and turns failures into two
 * error types the work loop can act on: EdgeHttpError (the edge answered) and
 * EdgeNetworkError (it could not be reached, or answered nonsense).
 */
import {
	type EnrollRequest,
	type EnrollResponse,
	enrollResponseSchema,
	type JobEventsRequest,
	type JobEventsResponse,
	jobEventsResponseSchema,
	type PollRequest,
	type PollResponse,
	pollResponseSchema,
	type ReleaseRequest,
	type RotateKeyRequest,
	type RotateKeyResponse,
	rotateKeyResponseSchema,
	type TelemetryRequest,
	type TelemetryResponse,
	telemetryResponseSchema,
	type WhoamiResponse,
	whoamiResponseSchema,
} from "../../src/protocol/agent-wire.js";
import type * as z from "../../src/protocol/zod-mini.js";
import { deadline } from "./deadline.js";
import {
	ChannelError,
	ChannelNotSent,
	ChannelReauthenticate,
	type ChannelRequest,
	type EdgeChannel,
} from "./edge-channel.js";
import { type HttpFetch, type HttpResponse, httpFetch } from "./http-fetch.js";
import type { TokenSource } from "./jwt.js";

/** The edge answered with a non-2xx status and (usually) the standard error body. */
export class EdgeHttpError extends Error {
	override readonly name = "EdgeHttpError";
	constructor(
		readonly status: number,
		readonly code: string | null,
		message: string,
	) {
		super(message);
	}
	/** 5xx: the edge is restarting or overloaded; worth retrying. */
	get transient(): boolean {
		return this.status >= 500;
	}
	/** 403 node_revoked: an operator revoked this node; the agent must stop. */
	get revoked(): boolean {
		return this.status === 403 && this.code === "node_revoked";
	}
}

/** The edge could not be reached, timed out, or sent a body that breaks the protocol. */
export class EdgeNetworkError extends Error {
	override readonly name = "EdgeNetworkError";
}

export interface EdgeClientOptions {
	edgeUrl: string;
	/** Absent for enroll, which has no identity yet. */
	tokens?: TokenSource;
	/** Timeout for requests other than poll, in ms. Default 15 000. */
	timeoutMs?: number;
	/** Replaces the node:http client (tests). Default httpFetch. */
	fetch?: HttpFetch;
	/** The WebSocket channel to the zone (ADR 0010): polls and event posts use it while it is open. */
	channel?: EdgeChannel;
}

export class EdgeClient {
	private readonly base: string;
	private readonly timeoutMs: number;
	private readonly doFetch: HttpFetch;

	constructor(private readonly options: EdgeClientOptions) {
		this.base = options.edgeUrl.replace(/\/+$/, "");
		this.timeoutMs = options.timeoutMs ?? 15_000;
		this.doFetch = options.fetch ?? httpFetch;
	}

	/** Trades an enrollment token for an identity (no auth). */
	enroll(body: EnrollRequest): Promise<EnrollResponse> {
		return this.post("/agent/v1/enroll", body, enrollResponseSchema, { auth: false });
	}

	/** Long-polls for jobs (over the channel when it is open); the timeout allows for the edge's wait plus slack. */
	poll(body: PollRequest, signal?: AbortSignal): Promise<PollResponse> {
		const timeoutMs = body.waitMs + 15_000;
		if (this.options.channel?.ready) {
			return this.overChannel("/agent/v1/poll", { op: "poll", body }, pollResponseSchema, timeoutMs, signal);
		}
		return this.post("/agent/v1/poll", body, pollResponseSchema, { signal, timeoutMs });
	}

	/** Posts a job's events under its lease (over the channel when it is open). */
	postEvents(jobId: string, body: JobEventsRequest, signal?: AbortSignal): Promise<JobEventsResponse> {
		const path = `/agent/v1/jobs/${encodeURIComponent(jobId)}/events`;
		if (this.options.channel?.ready) {
			const request: ChannelRequest = { op: "events", jobId, body };
			return this.overChannel(path, request, jobEventsResponseSchema, this.timeoutMs, signal);
		}
		return this.post(path, body, jobEventsResponseSchema, { signal });
	}

	/** True while polls and event posts travel over the WebSocket channel. */
	get channelOpen(): boolean {
		return this.options.channel?.ready === true;
	}

	/** Hands leased jobs back so the zone can re-queue them at once; `timeoutMs` replaces the client's default. */
	async release(body: ReleaseRequest, timeoutMs?: number): Promise<void> {
		await this.post("/agent/v1/jobs/release", body, null, timeoutMs !== undefined ? { timeoutMs } : {});
	}

	/** Sends telemetry; the answer renews leases and lists jobs to cancel. */
	telemetry(body: TelemetryRequest): Promise<TelemetryResponse> {
		return this.post("/agent/v1/telemetry", body, telemetryResponseSchema, {});
	}

	/** Replaces the node's public key; must be signed with the current one (the token source's key). */
	rotateKey(body: RotateKeyRequest): Promise<RotateKeyResponse> {
		return this.post("/agent/v1/keys/rotate", body, rotateKeyResponseSchema, {});
	}

	/** Asks the edge who it takes this node to be: proves the identity is accepted, changes nothing. */
	whoami(): Promise<WhoamiResponse> {
		return this.post("/agent/v1/whoami", undefined, whoamiResponseSchema, { method: "GET" });
	}

	/** Checks that the edge answers GET /healthz with 2xx; throws EdgeNetworkError or EdgeHttpError otherwise. */
	async health(): Promise<void> {
		await this.post("/healthz", undefined, null, { auth: false, method: "GET" });
	}

	/** One request over the channel, read like the HTTP answer `path` would give. */
	private async overChannel<S extends z.ZodMiniType>(
		path: string,
		request: ChannelRequest,
		schema: S,
		timeoutMs: number,
		signal: AbortSignal | undefined,
	): Promise<z.output<S>> {
		const channel = this.options.channel;
		if (!channel) throw new Error(`${path}: no channel`);
		let answer: Awaited<ReturnType<EdgeChannel["request"]>>;
		try {
			answer = await channel.request(request, timeoutMs, signal);
		} catch (err) {
			if (signal?.aborted) throw err;
			// Nothing reached the edge, or the zone closed the channel to re-authenticate: the same call goes over HTTP now.
			if (err instanceof ChannelNotSent || err instanceof ChannelReauthenticate) {
				return this.post(path, request.body, schema, { signal, timeoutMs });
			}
			if (err instanceof ChannelError)
				throw new EdgeNetworkError(`POST ${path} (channel): ${err.message}`, { cause: err });
			throw err;
		}
		const body = answer.body;
		return interpretAnswer(`POST ${path} (channel)`, answer.status, body, () => JSON.stringify(body), schema);
	}

	private async post<S extends z.ZodMiniType>(
		path: string,
		body: unknown,
		schema: S | null,
		opts: { auth?: boolean; signal?: AbortSignal | undefined; timeoutMs?: number; method?: "GET" | "POST" },
	): Promise<z.output<S>> {
		const method = opts.method ?? "POST";
		const headers: Record<string, string> = { "content-type": "application/json" };
		if (opts.auth !== false) {
			if (!this.options.tokens) throw new Error(`${path} needs an identity`);
			headers.authorization = `Bearer ${await this.options.tokens.token()}`;
		}
		const timeout = deadline(opts.timeoutMs ?? this.timeoutMs, opts.signal);
		let res: HttpResponse;
		let text: string;
		try {
			res = await this.doFetch(`${this.base}${path}`, {
				method,
				headers,
				...(method === "POST" ? { body: JSON.stringify(body) } : {}),
				signal: timeout.signal,
			});
			text = await res.text();
		} catch (err) {
			if (opts.signal?.aborted) throw err;
			const reason =
				err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
			throw new EdgeNetworkError(`${method} ${path}: ${reason}`, { cause: err });
		} finally {
			timeout.release();
		}
		let json: unknown = null;
		try {
			json = text ? JSON.parse(text) : null;
		} catch {
			json = null;
		}
		return interpretAnswer(`${method} ${path}`, res.status, json, () => text || res.statusText, schema);
	}
}

/**
 * Reads an answer of the edge, from HTTP or the channel alike: a non-2xx
 * status is an EdgeHttpError with the error body's message and code; a 2xx
 * body must match `schema` (null: the body is not checked), else it is an EdgeNetworkError.
 */
function interpretAnswer<S extends z.ZodMiniType>(
	label: string,
	status: number,
	json: unknown,
	/** The answer as text, for an error without a message (only read then). */
	rawText: () => string,
	schema: S | null,
): z.output<S> {
	if (status < 200 || status > 299) {
		const error = (json as { error?: { message?: unknown; code?: unknown } } | null)?.error;
		const message = typeof error?.message === "string" ? error.message : rawText().slice(0, 200);
		throw new EdgeHttpError(
			status,
			typeof error?.code === "string" ? error.code : null,
			`${label}: ${status} ${message}`,
		);
	}
	if (schema === null) return undefined as z.output<S>;
	const parsed = schema.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new EdgeNetworkError(`${label}: unexpected answer at ${issue?.path.join(".") || "body"}: ${issue?.message}`);
	}
	return parsed.data;
}
