/**
 * The agent's persistent channel to its zone (ADR 0010): one WebSocket,
 * opened with a signed JWT at GET /agent/v1/channel, over which the agent's
 * long-polls and job event posts travel as numbered request/answer messages
 * instead of one HTTP request each. An answer carries the status and body the
 * HTTP endpoint would have sent, so EdgeClient reads both alike.
 *
 * The channel is an optimisation, never a dependency: while it is down the
 * EdgeClient uses HTTP, and the channel reconnects in the background with
 * exponential backoff and jitter. A request that times out drops the
 * connection (it is probably dead: a blackholed link stays silent), and
 * every pending request then fails as a network error, which the work loop
 * already retries. Pings every 15 s find a dead link within about 30 s.
 */
import { CLOSE_REAUTHENTICATE, MAX_CHANNEL_MESSAGE_BYTES } from "../../src/protocol/agent-channel.js";
import { Backoff, sleep } from "./backoff.js";
import type { TokenSource } from "./jwt.js";
import type { Logger } from "./logger.js";
import { connectWebSocket, type WsConnection, WsUpgradeRefused } from "./ws-client.js";

/** What the edge answered to one channel request: the HTTP status and JSON body of the same call over HTTP. */
export interface ChannelAnswer {
	status: number;
	body: unknown;
}

/** A channel request: a long-poll, or a job's event post. */
export type ChannelRequest = { op: "poll"; body: unknown } | { op: "events"; jobId: string; body: unknown };

/** The channel could not carry a request (closed, timed out); like EdgeNetworkError, worth retrying. */
export class ChannelError extends Error {
	override readonly name: string = "ChannelError";
}

/**
 * The zone closed the channel asking for a fresh token (CLOSE_REAUTHENTICATE:
 * a key rotation, a revocation). Not an outage: the request may go over HTTP
 * now, since a poll open on the channel ended with no jobs and an event post
 * is retried with the same seqs.
 */
export class ChannelReauthenticate extends ChannelError {
	override readonly name = "ChannelReauthenticate";
}

/** Nothing was sent (the channel is not open, or the message is too big for it): the request may go over HTTP now. */
export class ChannelNotSent extends ChannelError {
	override readonly name = "ChannelNotSent";
}

export interface EdgeChannelOptions {
	edgeUrl: string;
	tokens: TokenSource;
	logger: Logger;
	/** Between pings, in ms (default 15 000); a link silent for two intervals is dropped. */
	pingIntervalMs?: number;
	/** Reconnect backoff (default 250 ms doubling to 30 s). */
	backoff?: Backoff;
	/**
	 * Jobs leased in the answer to a poll the agent had given up on (it was
	 * draining): the node will not run them, so they should be handed back.
	 */
	onAbandonedJobs?: (leases: { jobId: string; leaseId: string }[]) => void;
	/** Called when a connection opens, and when it closes (the agent's metrics). */
	onOpen?: () => void;
	onClose?: () => void;
}

interface Pending {
	resolve: (answer: ChannelAnswer) => void;
	reject: (error: Error) => void;
	timer: ReturnType<typeof setTimeout>;
	onAbort?: () => void;
	signal?: AbortSignal | undefined;
}

/** How long to wait before trying again when the edge has no channel endpoint (an older edge). */
const UNSUPPORTED_RETRY_MS = 5 * 60_000;

export class EdgeChannel {
	readonly #options: EdgeChannelOptions;
	readonly #backoff: Backoff;
	readonly #pending = new Map<number, Pending>();
	/** Ids of polls abandoned by their caller (aborted), whose answer may still lease jobs. */
	readonly #abandoned = new Set<number>();
	readonly #stop = new AbortController();
	#connection: WsConnection | undefined;
	#nextId = 1;
	#lastHeardAt = 0;
	#pinger: ReturnType<typeof setInterval> | undefined;
	#running: Promise<void> | undefined;

	constructor(options: EdgeChannelOptions) {
		this.#options = options;
		this.#backoff = options.backoff ?? new Backoff({ baseMs: 250, capMs: 30_000 });
	}

	/** True while the WebSocket is open: requests then go over it. */
	get ready(): boolean {
		return this.#connection?.open === true;
	}

	/** Connects, and keeps reconnecting until stop(). Returns at once. */
	start(): void {
		this.#running ??= this.#keepConnected();
	}

	/** Closes the channel for good; pending requests fail with ChannelError. */
	async stop(): Promise<void> {
		this.#stop.abort();
		this.#connection?.close(1000, "agent stopping");
		this.#failPending("the channel was closed by the agent");
		await this.#running;
	}

	/** Sends one request and resolves with the edge's answer; rejects with ChannelError when the channel cannot carry it. */
	request(request: ChannelRequest, timeoutMs: number, signal?: AbortSignal): Promise<ChannelAnswer> {
		const connection = this.#connection;
		if (!connection?.open) return Promise.reject(new ChannelNotSent("the channel is not open"));
		if (signal?.aborted) return Promise.reject(signal.reason);
		const id = this.#nextId++;
		const text = JSON.stringify({ id, ...request });
		if (Buffer.byteLength(text) > MAX_CHANNEL_MESSAGE_BYTES) {
			return Promise.reject(new ChannelNotSent(`${request.op}: ${text.length} characters is over the channel's limit`));
		}
		return new Promise<ChannelAnswer>((resolve, reject) => {
			const timer = setTimeout(() => {
				this.#settle(id)?.reject(new ChannelError(`${request.op}: no answer within ${timeoutMs} ms`));
				// A silent channel is probably dead (a blackholed link): drop it so that HTTP takes over.
				connection.terminate();
			}, timeoutMs);
			const pending: Pending = { resolve, reject, timer, signal };
			if (signal) {
				pending.onAbort = () => {
					if (request.op === "poll") this.#abandoned.add(id);
					this.#settle(id)?.reject(signal.reason);
				};
				signal.addEventListener("abort", pending.onAbort, { once: true });
			}
			this.#pending.set(id, pending);
			if (!connection.send(text)) {
				this.#settle(id)?.reject(new ChannelNotSent("the channel closed before the request was sent"));
			}
		});
	}

	#settle(id: number): Pending | undefined {
		const pending = this.#pending.get(id);
		if (!pending) return undefined;
		this.#pending.delete(id);
		clearTimeout(pending.timer);
		if (pending.onAbort) pending.signal?.removeEventListener("abort", pending.onAbort);
		return pending;
	}

	#failPending(reason: string, reauthenticate = false): void {
		for (const id of [...this.#pending.keys()]) {
			this.#settle(id)?.reject(reauthenticate ? new ChannelReauthenticate(reason) : new ChannelError(reason));
		}
	}

	#onMessage(text: string): void {
		this.#lastHeardAt = Date.now();
		let message: { id?: unknown; status?: unknown; body?: unknown };
		try {
			message = JSON.parse(text) as typeof message;
		} catch {
			this.#options.logger.warn("channel: the edge sent a message that is not JSON; reconnecting");
			this.#connection?.terminate();
			return;
		}
		if (typeof message.id !== "number" || typeof message.status !== "number") {
			this.#options.logger.warn("channel: the edge sent a message without id and status; reconnecting");
			this.#connection?.terminate();
			return;
		}
		const pending = this.#settle(message.id);
		if (pending) {
			pending.resolve({ status: message.status, body: message.body ?? null });
			return;
		}
		if (this.#abandoned.delete(message.id)) {
			const jobs = (message.body as { jobs?: unknown } | null)?.jobs;
			const leases = Array.isArray(jobs)
				? jobs.flatMap((job: { jobId?: unknown; leaseId?: unknown }) =>
						typeof job?.jobId === "string" && typeof job.leaseId === "string"
							? [{ jobId: job.jobId, leaseId: job.leaseId }]
							: [],
					)
				: [];
			if (leases.length > 0) this.#options.onAbandonedJobs?.(leases);
		}
	}

	async #keepConnected(): Promise<void> {
		const { logger } = this.#options;
		const url = `${this.#options.edgeUrl.replace(/\/+$/, "")}/agent/v1/channel`;
		while (!this.#stop.signal.aborted) {
			let closed: Promise<void>;
			try {
				({ closed } = await this.#connect(url));
			} catch (err) {
				if (this.#stop.signal.aborted) break;
				if (err instanceof WsUpgradeRefused && (err.status === 404 || err.status === 426)) {
					logger.warn("channel: the edge does not offer a WebSocket channel; using HTTP", { status: err.status });
					await sleep(UNSUPPORTED_RETRY_MS, this.#stop.signal);
					continue;
				}
				const delay = this.#backoff.next();
				logger.debug("channel: connect failed; retrying", {
					error: err instanceof Error ? err.message : String(err),
					retryInMs: delay,
				});
				await sleep(delay, this.#stop.signal);
				continue;
			}
			this.#backoff.reset();
			logger.debug("channel: open");
			this.#options.onOpen?.();
			await closed;
			this.#options.onClose?.();
			if (!this.#stop.signal.aborted) await sleep(this.#backoff.next(), this.#stop.signal);
		}
	}

	/** Opens one connection; resolves with a promise that settles when it closes. */
	async #connect(url: string): Promise<{ closed: Promise<void> }> {
		let onClosed: () => void = () => undefined;
		const closed = new Promise<void>((resolve) => {
			onClosed = resolve;
		});
		const connection = await connectWebSocket(
			url,
			{ headers: { authorization: `Bearer ${await this.#options.tokens.token()}` } },
			{
				onMessage: (text) => this.#onMessage(text),
				onPong: () => {
					this.#lastHeardAt = Date.now();
				},
				onClose: (close) => {
					if (this.#connection === connection) this.#connection = undefined;
					// The zone ends a closed channel's open poll with no jobs: nothing abandoned can arrive now.
					this.#abandoned.clear();
					if (this.#pinger) clearInterval(this.#pinger);
					this.#failPending(
						`the channel closed (${close.code}${close.reason ? `: ${close.reason}` : ""})`,
						close.code === CLOSE_REAUTHENTICATE,
					);
					if (!this.#stop.signal.aborted) {
						this.#options.logger.debug("channel: closed", { code: close.code, reason: close.reason });
					}
					onClosed();
				},
			},
		);
		if (this.#stop.signal.aborted) {
			connection.close(1000, "agent stopping");
			return { closed };
		}
		this.#connection = connection;
		this.#lastHeardAt = Date.now();
		const interval = this.#options.pingIntervalMs ?? 15_000;
		this.#pinger = setInterval(() => {
			if (Date.now() - this.#lastHeardAt > 2 * interval) connection.terminate();
			else connection.ping();
		}, interval);
		this.#pinger.unref?.();
		return { closed };
	}
}
