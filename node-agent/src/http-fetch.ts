/**
 * A small fetch-like HTTP client on node:http / node:https for the edge client
 * and the inference backends. Node's global fetch loads undici on first use,
 * which costs an idle agent about 13 MB of resident memory (issue 4: the agent
 * must idle under 60 MB); node:http is already part of the runtime. Sockets are
 * reused through Node's global keep-alive agents. The response body is the
 * raw byte stream, read as an async iterable, so SSE and NDJSON streams are
 * parsed as they arrive; aborting the signal destroys the request and the
 * response, which closes the connection, like cancelling a fetch body.
 */
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { http } from "./builtins.js";

// From ./builtins.ts: an ES import of node:http loads undici on Node 22.
const httpRequest = http.request;

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

/** Sends one HTTP(S) request; resolves once the response headers arrive. Rejects with Node's socket errors (their `code`, e.g. ECONNREFUSED) or an AbortError. */
export const httpFetch: HttpFetch = (url, init = {}) =>
	new Promise<HttpResponse>((resolve, reject) => {
		const target = new URL(url);
		if (target.protocol !== "http:" && target.protocol !== "https:") {
			reject(new TypeError(`url: expected http: or https:, got ${JSON.stringify(target.protocol)}`));
			return;
		}
		const send = target.protocol === "https:" ? httpsRequest : httpRequest;
		const headers: Record<string, string> = { ...init.headers };
		if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
		const req = send(target, {
			method: init.method ?? "GET",
			headers,
			...(init.signal ? { signal: init.signal } : {}),
		});
		req.on("error", reject);
		req.once("response", (res) => resolve(wrap(res)));
		req.end(init.body);
	});

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
