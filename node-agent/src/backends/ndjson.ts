/**
 * A newline-delimited JSON reader for Ollama's native streaming API. Network
 * chunks split lines (and UTF-8 characters) anywhere, so bytes are buffered
 * until a newline ends a record.
 */

/** Yields each non-empty line of `body`, decoded as UTF-8 (the last line may lack a newline). */
export async function* readLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
	const decoder = new TextDecoder();
	let buffer = "";
	for await (const chunk of body) {
		buffer += decoder.decode(chunk, { stream: true });
		let nl = buffer.indexOf("\n");
		while (nl >= 0) {
			const line = buffer.slice(0, nl).trim();
			buffer = buffer.slice(nl + 1);
			if (line) yield line;
			nl = buffer.indexOf("\n");
		}
	}
	buffer += decoder.decode();
	if (buffer.trim()) yield buffer.trim();
}
