/**
 * Every request's trace (W3C Trace Context): the client's `traceparent`
 * continued, or a new trace when it sent none or a malformed one (the spec's
 * rule: a receiver restarts the trace rather than refuse the request). The
 * edge's own span id is the parent of the job's span on the node. The trace
 * id leaves in `x-arcnet-trace-id` on every answer, errors included.
 */
import type { MiddlewareHandler } from "hono";
import { log } from "../protocol/log-line.js";
import { childOf, formatTraceparent, newTrace, parseTraceparent } from "../protocol/trace-context.js";
import type { AppEnv } from "./app-env.js";

/** The response header that carries the request's trace id. */
export const TRACE_ID_HEADER = "x-arcnet-trace-id";

/** The request's trace: its id, the edge's span, and the client's span when it sent one. */
export interface RequestTrace {
	traceId: string;
	/** The edge's span: the parent of the job's span on the node. */
	spanId: string;
	flags: string;
	/** The client's span (its traceparent's parent id), when it sent a valid one. */
	clientSpanId?: string;
	/** The traceparent handed on with the request's job: this trace, the edge's span as parent. */
	traceparent: string;
}

/** The trace of a request with this `traceparent` header (or none), and why a header present was not used. */
export function requestTrace(header: string | undefined): { trace: RequestTrace; invalid?: string } {
	const parsed = header === undefined ? null : parseTraceparent(header);
	if (parsed && !("error" in parsed)) {
		const edge = childOf(parsed);
		return { trace: { ...edge, clientSpanId: parsed.spanId, traceparent: formatTraceparent(edge) } };
	}
	const fresh = newTrace();
	const trace = { ...fresh, traceparent: formatTraceparent(fresh) };
	return parsed ? { trace, invalid: parsed.error } : { trace };
}

/** Sets `trace` for the handlers and `x-arcnet-trace-id` on the answer; a malformed traceparent is logged. */
export const traceRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
	const { trace, invalid } = requestTrace(c.req.header("traceparent"));
	c.set("trace", trace);
	if (invalid) {
		log("warn", "traceparent_invalid", { trace: trace.traceId, path: c.req.path, reason: invalid });
	}
	await next();
	// A WebSocket upgrade's answer cannot be copied; its trace id is in the logs only.
	if (c.res.status !== 101) c.header(TRACE_ID_HEADER, trace.traceId);
};
