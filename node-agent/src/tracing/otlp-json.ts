/**
 * Spans in the OTLP/JSON encoding (opentelemetry-proto, JSON mapping): the
 * body of `POST {endpoint}/v1/traces`. Ids are hex, times are nanoseconds as
 * decimal strings, 64-bit integers are strings. Only what the agent's spans
 * use is written: no events, links or tracestate (docs/adr/0022).
 */

/** A finished span as the agent records it. */
export interface SpanRecord {
	traceId: string;
	spanId: string;
	parentSpanId?: string | undefined;
	name: string;
	kind: "internal" | "server" | "client" | "producer" | "consumer";
	/** Epoch ms; sub-millisecond precision is kept when given. */
	startMs: number;
	endMs: number;
	attributes: Record<string, string | number | boolean | undefined>;
	/** `error` with a message, or `ok`. */
	status: { code: "ok" } | { code: "error"; message: string };
}

const KINDS: Record<SpanRecord["kind"], number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(value: string | number | boolean): AnyValue {
	if (typeof value === "string") return { stringValue: value };
	if (typeof value === "boolean") return { boolValue: value };
	return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function attributes(record: Record<string, string | number | boolean | undefined>) {
	const out: { key: string; value: AnyValue }[] = [];
	for (const key in record) {
		const value = record[key];
		if (value !== undefined) out.push({ key, value: anyValue(value) });
	}
	return out;
}

/** Epoch ms to OTLP's unsigned nanoseconds, as a decimal string (beyond a double's exact integers). */
export function unixNanos(ms: number): string {
	const whole = Math.floor(ms);
	const micros = Math.round((ms - whole) * 1000);
	return `${BigInt(whole) * 1_000_000n + BigInt(micros) * 1000n}`;
}

/** The ExportTraceServiceRequest for `spans` of one service, as JSON text. */
export function otlpTraceRequest(
	resource: Record<string, string | number | boolean | undefined>,
	scope: { name: string; version: string },
	spans: readonly SpanRecord[],
): string {
	return JSON.stringify({
		resourceSpans: [
			{
				resource: { attributes: attributes(resource) },
				scopeSpans: [
					{
						scope,
						spans: spans.map((s) => ({
							traceId: s.traceId,
							spanId: s.spanId,
							...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
							name: s.name,
							kind: KINDS[s.kind],
							startTimeUnixNano: unixNanos(s.startMs),
							endTimeUnixNano: unixNanos(s.endMs),
							attributes: attributes(s.attributes),
							status: s.status.code === "ok" ? { code: 1 } : { code: 2, message: s.status.message },
						})),
					},
				],
			},
		],
	});
}
