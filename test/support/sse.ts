/**
 * Reading server-sent events as an OpenAI SDK would: `data:` payloads split
 * on blank lines, `[DONE]` kept as a marker, everything else parsed as JSON.
 */

/** The payloads of an SSE body in order; `"[DONE]"` stays a string, the rest are parsed JSON. */
export function parseSseData(body: string): unknown[] {
	const out: unknown[] = [];
	for (const event of body.split(/\r?\n\r?\n/)) {
		const data = event
			.split(/\r?\n/)
			.filter((line) => line.startsWith("data:"))
			.map((line) => line.slice(5).trimStart())
			.join("\n");
		if (data === "") continue;
		out.push(data === "[DONE]" ? data : JSON.parse(data));
	}
	return out;
}

/** Reads a streaming response until its first body bytes arrive; returns ms from `startedAt` and the full text. */
export async function readWithFirstByte(
	res: Response,
	startedAt: number,
): Promise<{ firstByteMs: number; text: string }> {
	if (!res.body) throw new Error("response has no body");
	const reader = res.body.getReader();
	const decoder = new TextDecoder();
	let firstByteMs = -1;
	let text = "";
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		if (firstByteMs < 0 && value.byteLength > 0) firstByteMs = performance.now() - startedAt;
		text += decoder.decode(value, { stream: true });
	}
	return { firstByteMs, text: text + decoder.decode() };
}
