import { describe, expect, it } from "vitest";
import { SseParser } from "../../node-agent/src/sse-parse.js";

async function collect(parts: (string | Uint8Array)[]): Promise<string[]> {
	const enc = new TextEncoder();
	const parser = new SseParser();
	const out: string[] = [];
	for (const p of parts) out.push(...parser.push(typeof p === "string" ? enc.encode(p) : p));
	out.push(...parser.end());
	return out;
}

describe("agent SSE parser", () => {
	it("reassembles events split across chunks at any byte", async () => {
		const text = 'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n';
		const expected = ['{"a":1}', '{"b":2}', "[DONE]"];
		for (let cut = 1; cut < text.length; cut++) {
			expect(await collect([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
		}
	});

	it("keeps a multi-byte character split between chunks intact", async () => {
		const bytes = new TextEncoder().encode("data: héllo ✓\n\n");
		expect(await collect([bytes.slice(0, 8), bytes.slice(8, 15), bytes.slice(15)])).toEqual(["héllo ✓"]);
	});

	it("handles CRLF, comments, other fields and multi-line data", async () => {
		const text = ": keep-alive\r\nevent: message\r\nid: 7\r\ndata: line1\r\ndata: line2\r\n\r\ndata:x\r\n\r\n";
		expect(await collect([text.slice(0, 40), text.slice(40)])).toEqual(["line1\nline2", "x"]);
	});

	it("passes the [DONE] sentinel and a usage chunk through untouched", async () => {
		const usage = '{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}';
		expect(await collect([`data: ${usage}\n\n`, "data: [DONE]\n\n"])).toEqual([usage, "[DONE]"]);
	});

	it("reads bare CR line ends, even a CR and its LF split between chunks", async () => {
		expect(await collect(["data: a\r", "\n\r\ndata: b\r\r"])).toEqual(["a", "b"]);
		expect(await collect(["data: c\r\r", "data: d\r", "\r"])).toEqual(["c", "d"]);
	});

	it("delivers a last event that lacks the closing blank line", async () => {
		expect(await collect(["data: a\n\ndata: b"])).toEqual(["a", "b"]);
	});
});
