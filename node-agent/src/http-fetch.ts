/**
 * A small fetch-like HTTP client on node:http / node:https for the edge client
 * and the inference backends. Node's global fetch loads undici on first use,
 * which costs an idle agent about 13 MB of resident memory (the agent
 * must idle under 60 MB); node:http is already part of the runtime. Sockets are
 * reused through the keep-alive agents below. The response body is the
 * raw byte stream, read as an async iterable, so SSE and NDJSON streams are
 * parsed as they arrive; aborting the signal destroys the request and the
 * response, which closes the connection, like cancelling a fetch body.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { urlToHttpOptions } from "node:url";
import { http } from "./builtins.js";

// From ./builtins.ts: an ES import of node:http loads undici on Node 22.
const httpRequest = http.request;

/**
 * Node's global agents drop an idle socket after 5 s, the telemetry interval:
 * every heartbeat opened a new TCP (and TLS) connection. These keep one for a
 * minute, well inside the edge's idle limit (Cloudflare closes an idle HTTP/1.1
 * connection after 400 s); a server that announces a shorter `Keep-Alive:
 * timeout=` is still obeyed, a second early, by Node's agent.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 60_000, scheduling: "lifo" } as const;
const httpAgent = new http.Agent(KEEP_ALIVE);
const httpsAgent = new HttpsAgent(KEEP_ALIVE);

/** The request options the agent uses: a subset of fetch's RequestInit. */
export interface HttpRequestInit {
	/** Default "GET". */
	method?: string;
	headers?: Record<string, string>;
	/** UTF-8 text sent as the request body (JSON in practice). */
	body?: string;
	/** Aborting it destroys the request and its response stream. */
	signal?: AbortSignal | null;
}

/** The response surface the agent uses: a subset of fetch's Response. */
export interface HttpResponse {
	ok: boolean;
	status: number;
	statusText: string;
	/** The body as chunks of bytes; read it once, either here or through text()/json(). */
	body: AsyncIterable<Uint8Array>;
	/** Reads the whole body as UTF-8 text. */
	text(): Promise<string>;
	/** Reads the whole body and parses it as JSON; rejects on invalid JSON. */
	json(): Promise<unknown>;
}

/** A fetch-shaped function; tests and `doctor` may pass their own. */
export type HttpFetch = (url: string, init?: HttpRequestInit) => Promise<HttpResponse>;

/** What a URL string parses to, as http.request would derive it from a URL object. */
interface Target {
	https: boolean;
	options: RequestOptions;
}

/**
 * The targets of the URLs requested lately. The agent asks the same few URLs
 * over and over (the backend's completions, the edge's endpoints); parsing
 * each one again (new URL, then urlToHttpOptions inside http.request) cost
 * every job's backend request. Bounded, as URLs that carry a job id are many.
 */
const targets = new Map<string, Target>();
const MAX_TARGETS = 64;

function targetOf(url: string): Target {
	const known = targets.get(url);
	if (known) return known;
	const parsed = new URL(url);
	if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
		throw new TypeError(`url: expected http: or https:, got ${JSON.stringify(parsed.protocol)}`);
	}
	const target = { https: parsed.protocol === "https:", options: urlToHttpOptions(parsed) };
	if (targets.size >= MAX_TARGETS) targets.clear();
	targets.set(url, target);
	return target;
}

/** Sends one HTTP(S) request; resolves once the response headers arrive. Rejects with Node's socket errors (their `code`, e.g. ECONNREFUSED) or an AbortError. */
export const httpFetch: HttpFetch = (url, init = {}) =>
	new Promise<HttpResponse>((resolve, reject) => {
		const target = targetOf(url);
		const headers: Record<string, string> = { ...init.headers };
		if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
		// A copy each time: http.request assigns its options onto the object it is given.
		const agent = target.https ? httpsAgent : httpAgent;
		const req = (target.https ? httpsRequest : httpRequest)({
			...target.options,
			method: init.method ?? "GET",
			headers,
			agent,
		});
		req.on("error", reject);
		if (init.signal) abortWith(init.signal, req);
		req.once("response", (res) => resolve(wrap(res)));
		req.end(init.body);
	});

/** Node's own AbortError (not exported): what http.request's `signal` option destroys a request with. */
class AbortError extends Error {
	override readonly name = "AbortError";
	readonly code = "ABORT_ERR";
	constructor(cause: unknown) {
		super("The operation was aborted", { cause });
	}
}

/**
 * Destroys `req` (and with it its response) when `signal` aborts, as
 * http.request's `signal` option does, and stops listening when the request
 * closes. By hand: the option also watches the request with end-of-stream,
 * and setting up those listeners was most of what aborting cost a job.
 */
function abortWith(signal: AbortSignal, req: ClientRequest): void {
	const onAbort = () => req.destroy(new AbortError(signal.reason));
	if (signal.aborted) {
		onAbort();
		return;
	}
	signal.addEventListener("abort", onAbort, { once: true });
	req.once("close", () => signal.removeEventListener("abort", onAbort));
}

function wrap(res: IncomingMessage): HttpResponse {
	const status = res.statusCode ?? 0;
	const text = async (): Promise<string> => {
		const chunks: Buffer[] = [];
		for await (const chunk of res) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString("utf8");
	};
	return {
		ok: status >= 200 && status < 300,
		status,
		statusText: res.statusMessage ?? "",
		body: res,
		text,
		json: async () => JSON.parse(await text()) as unknown,
	};
}
