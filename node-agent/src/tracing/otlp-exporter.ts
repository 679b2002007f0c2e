/**
 * Sends the agent's spans to an OTLP/HTTP collector (`--otlp-endpoint`):
 * batched, bounded and off every job's path. `add` only queues (a job never
 * waits on the collector); a timer posts up to MAX_BATCH spans at a time, one
 * post in flight. A full queue drops new spans, counted; an unreachable
 * collector drops the batch it refused. Each of these is logged once, and
 * its end once, so a collector outage costs two log lines, not one per job.
 */
import { type HttpFetch, httpFetch } from "../http-fetch.js";
import { errorMessage, type Logger } from "../logger.js";
import { otlpTraceRequest, type SpanRecord } from "./otlp-json.js";

export interface OtlpExporterOptions {
	/** The collector's base URL; spans go to `{endpoint}/v1/traces`. */
	endpoint: string;
	logger: Logger;
	/** Resource attributes: service.name and the node's ids. */
	resource: Record<string, string | number | boolean | undefined>;
	/** The instrumentation scope: the agent and its version. */
	scope: { name: string; version: string };
	fetch?: HttpFetch;
	/** Most spans waiting; beyond it new spans are dropped. Default 2048. */
	maxQueue?: number;
	/** Most spans per post. Default 256. */
	maxBatch?: number;
	/** Longest a span waits before a post. Default 2000 ms. */
	intervalMs?: number;
	/** Per-post timeout. Default 10000 ms. */
	timeoutMs?: number;
}

/** What the exporter has done so far, for tests and /metrics. */
export interface ExportCounts {
	exported: number;
	dropped: number;
	queued: number;
}

export class OtlpExporter {
	readonly #o: Required<Omit<OtlpExporterOptions, "fetch">> & { fetch: HttpFetch };
	readonly #url: string;
	#queue: SpanRecord[] = [];
	#inFlight: Promise<void> | null = null;
	#timer: NodeJS.Timeout | null = null;
	#exported = 0;
	#dropped = 0;
	/** Set while spans are being dropped for a full queue, or the collector is failing: each is logged once. */
	#full = false;
	#down = false;

	constructor(options: OtlpExporterOptions) {
		this.#o = {
			maxQueue: 2048,
			maxBatch: 256,
			intervalMs: 2000,
			timeoutMs: 10_000,
			fetch: httpFetch,
			...options,
		};
		this.#url = `${options.endpoint.replace(/\/+$/, "")}/v1/traces`;
	}

	/** Queues a finished span; never blocks, never throws. */
	add(span: SpanRecord): void {
		if (this.#queue.length >= this.#o.maxQueue) {
			this.#dropped++;
			if (!this.#full) {
				this.#full = true;
				this.#o.logger.warn("span queue full; dropping spans until the collector catches up", {
					maxQueue: this.#o.maxQueue,
				});
			}
			return;
		}
		this.#queue.push(span);
		if (this.#queue.length >= this.#o.maxBatch) this.#post();
		else this.#schedule();
	}

	get counts(): ExportCounts {
		return { exported: this.#exported, dropped: this.#dropped, queued: this.#queue.length };
	}

	/** Posts everything queued (in batches); resolves when done or failed. */
	async flush(): Promise<void> {
		while (this.#inFlight || this.#queue.length > 0) {
			if (!this.#inFlight) this.#post();
			await this.#inFlight;
		}
	}

	/** Stops the timer and posts what is queued, waiting at most `graceMs`. */
	async close(graceMs = 2000): Promise<void> {
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		let timer: NodeJS.Timeout | undefined;
		const grace = new Promise<void>((resolve) => {
			timer = setTimeout(resolve, graceMs);
		});
		await Promise.race([this.flush(), grace]);
		clearTimeout(timer);
	}

	#schedule(): void {
		if (this.#timer || this.#inFlight) return;
		this.#timer = setTimeout(() => {
			this.#timer = null;
			this.#post();
		}, this.#o.intervalMs);
		// A pending export never keeps the process alive: shutdown flushes with close().
		this.#timer.unref();
	}

	#post(): void {
		if (this.#inFlight || this.#queue.length === 0) return;
		if (this.#timer) clearTimeout(this.#timer);
		this.#timer = null;
		const batch = this.#queue.splice(0, this.#o.maxBatch);
		this.#inFlight = this.#send(batch).finally(() => {
			this.#inFlight = null;
			if (this.#queue.length >= this.#o.maxBatch) this.#post();
			else if (this.#queue.length > 0) this.#schedule();
		});
	}

	async #send(batch: SpanRecord[]): Promise<void> {
		const body = otlpTraceRequest(this.#o.resource, this.#o.scope, batch);
		try {
			const res = await this.#o.fetch(this.#url, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body,
				signal: AbortSignal.timeout(this.#o.timeoutMs),
			});
			const text = await res.text().catch(() => "");
			if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
			this.#exported += batch.length;
			if (this.#down || this.#full) {
				this.#o.logger.info("span export recovered", { url: this.#url, dropped: this.#dropped });
			}
			this.#down = false;
			this.#full = false;
		} catch (err) {
			this.#dropped += batch.length;
			if (!this.#down) {
				this.#down = true;
				this.#o.logger.warn("span export failed; dropping spans until the collector answers", {
					url: this.#url,
					error: errorMessage(err),
				});
			}
		}
	}
}
