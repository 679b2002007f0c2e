/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing and
 * writing the `traceparent` header, and minting trace and span ids. The
 * Worker reads a client's header with it, the Durable Object checks the one
 * a job carries, and the agent continues the trace to its backend, so all
 * three agree on one format. No dependency: it runs in workerd and in the
 * agent's bundle alike.
 */

/** A trace and the span that is the parent of whatever continues it. */
export interface TraceContext {
	/** 32 lowercase hex digits, not all zero. */
	traceId: string;
	/** 16 lowercase hex digits, not all zero: the caller's span. */
	spanId: string;
	/** The trace flags as 2 hex digits; only `sampled` (01) is defined. */
	flags: string;
}

/** The traceparent of version 00, as it is written (and the only form this module writes). */
export const TRACEPARENT_V00 = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

const FIELDS = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);
/** Longest header this module reads: a later version may append fields, but nothing legitimate is this long. */
const MAX_TRACEPARENT_CHARS = 512;

/**
 * Reads a `traceparent` header. Returns the context, or `{ error }` saying
 * what is wrong (never quoting the header). Follows the spec's rules: version
 * ff is invalid, version 00 is exactly 55 characters, a later version may add
 * fields after a dash, hex is lowercase, and all-zero ids are invalid.
 */
export function parseTraceparent(header: string): TraceContext | { error: string } {
	const value = header.trim();
	if (value.length > MAX_TRACEPARENT_CHARS) return { error: `longer than ${MAX_TRACEPARENT_CHARS} characters` };
	const match = FIELDS.exec(value);
	if (!match) {
		return { error: "expected version-traceid-parentid-flags: 2, 32, 16 and 2 lowercase hex digits joined by dashes" };
	}
	const [, version = "", traceId = "", spanId = "", flags = "", rest] = match;
	if (version === "ff") return { error: "version ff is invalid" };
	if (version === "00" && rest !== undefined) return { error: "version 00 has exactly four fields" };
	if (traceId === ZERO_TRACE) return { error: "the trace id is all zeros" };
	if (spanId === ZERO_SPAN) return { error: "the parent id is all zeros" };
	return { traceId, spanId, flags };
}

/** The `traceparent` header (version 00) of a context. */
export function formatTraceparent(context: TraceContext): string {
	return `00-${context.traceId}-${context.spanId}-${context.flags}`;
}

/** The trace id of a version-00 traceparent already checked (null when there is none). */
export function traceIdOf(traceparent: string | null | undefined): string | null {
	return traceparent ? traceparent.slice(3, 35) : null;
}

/** Whether a string is a version-00 traceparent this module would accept. */
export function isTraceparent(value: string): boolean {
	return TRACEPARENT_V00.test(value) && !("error" in parseTraceparent(value));
}

/** A fresh random trace id: 16 random bytes as hex (all zero is redrawn). */
export function newTraceId(): string {
	return randomHex(16, ZERO_TRACE);
}

/** A fresh random span id: 8 random bytes as hex (all zero is redrawn). */
export function newSpanId(): string {
	return randomHex(8, ZERO_SPAN);
}

/** A new trace with a fresh first span, sampled. */
export function newTrace(): TraceContext {
	return { traceId: newTraceId(), spanId: newSpanId(), flags: "01" };
}

/** The same trace with a new span of the caller's as the parent of what follows. */
export function childOf(parent: TraceContext): TraceContext {
	return { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags };
}

function randomHex(bytes: number, zero: string): string {
	for (;;) {
		let hex = "";
		for (const byte of crypto.getRandomValues(new Uint8Array(bytes))) hex += byte.toString(16).padStart(2, "0");
		if (hex !== zero) return hex;
	}
}
