/**
 * The HTTP plumbing every carbon adapter shares: a GET with a timeout that
 * also honours the caller's AbortSignal, status handling, JSON parsing and zod
 * validation, each failure turned into a `CarbonProviderError` with context.
 * Uses only fetch and web APIs so it runs in workerd.
 */
import * as z from "zod";
import { CarbonProviderError, describeIssues } from "./provider-error.js";
import type { CarbonSource } from "./signal.js";

/** Per-request timeout of every adapter, in ms: default 5,000, from 100 to 60,000. */
export const timeoutMsSchema = z.number().int().min(100).max(60_000).default(5_000);

/** A base URL: http(s) only, trailing slashes ignored. */
export const baseUrlSchema = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ""));

/** Who is calling, for error messages. */
export interface CallContext {
	source: CarbonSource;
	zone: string;
}

/** One GET request. */
export interface GetJsonRequest {
	url: string;
	headers?: Record<string, string>;
	timeoutMs: number;
	signal?: AbortSignal;
	fetch: typeof fetch;
}

const MAX_BODY_IN_MESSAGE = 200;

/** Appends query parameters to `base + path`, encoding each value. */
export function buildUrl(base: string, path: string, query: Record<string, string> = {}): string {
	const params = new URLSearchParams(query).toString();
	return `${base}${path}${params ? `?${params}` : ""}`;
}

/** GETs a URL and returns its parsed JSON body; rejects only with `CarbonProviderError`. */
export async function getJson(ctx: CallContext, req: GetJsonRequest): Promise<unknown> {
	const timeout = AbortSignal.timeout(req.timeoutMs);
	const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
	const fail = (reason: "timeout" | "aborted" | "network", what: string, cause: unknown): CarbonProviderError => {
		if (timeout.aborted) {
			return new CarbonProviderError(
				ctx.source,
				ctx.zone,
				"timeout",
				`no answer from ${req.url} within ${req.timeoutMs} ms`,
				{ cause },
			);
		}
		if (req.signal?.aborted)
			return new CarbonProviderError(ctx.source, ctx.zone, "aborted", `request to ${req.url} was cancelled`, { cause });
		const message = cause instanceof Error ? cause.message : String(cause);
		return new CarbonProviderError(ctx.source, ctx.zone, reason, `${what} ${req.url} failed: ${message}`, { cause });
	};
	let response: Response;
	try {
		response = await req.fetch(req.url, {
			method: "GET",
			headers: { accept: "application/json", ...req.headers },
			signal,
		});
	} catch (err) {
		throw fail("network", "GET", err);
	}
	let text: string;
	try {
		text = await response.text();
	} catch (err) {
		throw fail("network", "reading the body of", err);
	}
	if (!response.ok) {
		const reason = response.status === 401 || response.status === 403 ? "auth" : "http-status";
		const body = text.length > MAX_BODY_IN_MESSAGE ? `${text.slice(0, MAX_BODY_IN_MESSAGE)}…` : text;
		throw new CarbonProviderError(
			ctx.source,
			ctx.zone,
			reason,
			`GET ${req.url} answered HTTP ${response.status}: ${body}`,
			{
				status: response.status,
			},
		);
	}
	try {
		return JSON.parse(text);
	} catch (err) {
		throw new CarbonProviderError(
			ctx.source,
			ctx.zone,
			"malformed",
			`GET ${req.url} answered a body that is not JSON`,
			{
				cause: err,
			},
		);
	}
}

/** Validates a provider's response, or throws a `malformed` error naming the field, value and what is allowed. */
export function parseProviderResponse<S extends z.ZodType>(
	ctx: CallContext,
	schema: S,
	body: unknown,
	what: string,
): z.output<S> {
	const result = schema.safeParse(body);
	if (result.success) return result.data;
	throw new CarbonProviderError(
		ctx.source,
		ctx.zone,
		"malformed",
		`unexpected ${what} response: ${describeIssues(result.error.issues, body)}`,
		{
			cause: result.error,
		},
	);
}
