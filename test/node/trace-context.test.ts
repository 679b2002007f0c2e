/** W3C traceparent parsing and writing (src/protocol/trace-context.ts); the edge's use of it: test/workerd/trace-propagation.test.ts. */
import { describe, expect, it } from "vitest";
import {
	childOf,
	formatTraceparent,
	isTraceparent,
	newTrace,
	parseTraceparent,
	traceIdOf,
} from "../../src/protocol/trace-context.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${SPAN}-01`;

describe("parseTraceparent", () => {
	it("reads the spec's example", () => {
		expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, spanId: SPAN, flags: "01" });
	});

	it("round-trips through formatTraceparent", () => {
		const context = newTrace();
		expect(parseTraceparent(formatTraceparent(context))).toEqual(context);
	});

	it("accepts a later version with more fields, and surrounding blanks", () => {
		expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-holds`)).toEqual({
			traceId: TRACE,
			spanId: SPAN,
			flags: "01",
		});
		expect(parseTraceparent(` ${VALID} `)).toEqual({ traceId: TRACE, spanId: SPAN, flags: "01" });
	});

	it.each([
		["", "expected version-traceid-parentid-flags"],
		[VALID.toUpperCase(), "expected version-traceid-parentid-flags"],
		[`00-${TRACE}-${SPAN}`, "expected version-traceid-parentid-flags"],
		[`00-${TRACE.slice(1)}-${SPAN}-01`, "expected version-traceid-parentid-flags"],
		[`ff-${TRACE}-${SPAN}-01`, "version ff is invalid"],
		[`00-${TRACE}-${SPAN}-01-extra`, "version 00 has exactly four fields"],
		[`00-${"0".repeat(32)}-${SPAN}-01`, "the trace id is all zeros"],
		[`00-${TRACE}-${"0".repeat(16)}-01`, "the parent id is all zeros"],
		[`cc-${TRACE}-${SPAN}-01-${"x".repeat(600)}`, "longer than 512 characters"],
	])("refuses %j: %s", (header, reason) => {
		const parsed = parseTraceparent(header);
		expect(parsed).toHaveProperty("error");
		expect("error" in parsed ? parsed.error : "").toContain(reason);
	});
});

describe("ids", () => {
	it("mints lowercase hex ids of the right length, never all zero", () => {
		const seen = new Set<string>();
		for (let i = 0; i < 200; i++) {
			const { traceId, spanId, flags } = newTrace();
			expect(traceId).toMatch(/^[0-9a-f]{32}$/);
			expect(spanId).toMatch(/^[0-9a-f]{16}$/);
			expect(flags).toBe("01");
			seen.add(traceId);
		}
		expect(seen.size).toBe(200);
	});

	it("a child keeps the trace and flags with a new span", () => {
		const parent = { traceId: TRACE, spanId: SPAN, flags: "00" };
		const child = childOf(parent);
		expect(child.traceId).toBe(TRACE);
		expect(child.flags).toBe("00");
		expect(child.spanId).not.toBe(SPAN);
	});

	it("isTraceparent takes only version 00 with non-zero ids; traceIdOf reads the trace id", () => {
		expect(isTraceparent(VALID)).toBe(true);
		expect(isTraceparent(`cc-${TRACE}-${SPAN}-01`)).toBe(false);
		expect(isTraceparent(`00-${"0".repeat(32)}-${SPAN}-01`)).toBe(false);
		expect(traceIdOf(VALID)).toBe(TRACE);
		expect(traceIdOf(null)).toBeNull();
	});
});
