/**
 * A Server-Sent Events parser for inference backends' streaming responses.
 * Network chunks split lines (and UTF-8 characters) anywhere, so the parser
 * buffers bytes until a blank line ends an event, per the WHATWG SSE rules.
 */

/** Yields the `data` of each event (multiple data lines joined by "\n"); comments and other fields are skipped. */
export async function* parseSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
	const decoder = new TextDecoder();
	let buffer = "";
	let data: string[] = [];
	const takeLines = function* (final: boolean): Generator<string> {
		for (;;) {
			const match = /\r\n|\r|\n/.exec(buffer);
			// A lone trailing "\r" may be half of "\r\n": wait for the next chunk unless the stream ended.
			if (!match || (match[0] === "\r" && match.index === buffer.length - 1 && !final)) return;
			const line = buffer.slice(0, match.index);
			buffer = buffer.slice(match.index + match[0].length);
			yield line;
		}
	};
	const onLine = (line: string): string | undefined => {
		if (line === "") {
			if (data.length === 0) return undefined;
			const event = data.join("\n");
			data = [];
			return event;
		}
		if (line.startsWith(":")) return undefined;
		const colon = line.indexOf(":");
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? "" : line.slice(colon + 1);
		if (value.startsWith(" ")) value = value.slice(1);
		if (field === "data") data.push(value);
		return undefined;
	};
	for await (const chunk of body) {
		buffer += decoder.decode(chunk, { stream: true });
		for (const line of takeLines(false)) {
			const event = onLine(line);
			if (event !== undefined) yield event;
		}
	}
	buffer += decoder.decode();
	for (const line of takeLines(true)) {
		const event = onLine(line);
		if (event !== undefined) yield event;
	}
	// A stream that ends without the final blank line still delivers its last event.
	if (buffer !== "") onLine(buffer);
	if (data.length > 0) yield data.join("\n");
}
