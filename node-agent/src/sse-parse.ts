/**
 * A Server-Sent Events parser for inference backends' streaming responses.
 * Network chunks split lines (and UTF-8 characters) anywhere, so the parser
 * buffers bytes until a blank line ends an event, per the WHATWG SSE rules.
 * It is synchronous: the caller feeds it the chunks it reads and gets back
 * the events each one completed, so a job's events cost no promise each.
 */

/** Incremental SSE parser: each event's `data` (multiple data lines joined by "\n"); comments and other fields are skipped. */
export class SseParser {
	readonly #decoder = new TextDecoder();
	#buffer = "";
	#data: string[] = [];

	/** Adds bytes; returns the data of the events they completed. */
	push(chunk: Uint8Array): string[] {
		this.#buffer += this.#decoder.decode(chunk, { stream: true });
		const events: string[] = [];
		this.#takeLines(false, events);
		return events;
	}

	/** The stream ended: returns the data of the events left, including a last one that lacks the closing blank line. */
	end(): string[] {
		this.#buffer += this.#decoder.decode();
		const events: string[] = [];
		this.#takeLines(true, events);
		// What is left is one unterminated line (not blank): it can add data but not end an event.
		if (this.#buffer !== "") this.#onLine(this.#buffer, events);
		this.#buffer = "";
		if (this.#data.length > 0) events.push(this.#data.join("\n"));
		this.#data = [];
		return events;
	}

	/** Reads the complete lines of the buffer (ended by \r\n, \r or \n) and keeps the rest. */
	#takeLines(final: boolean, events: string[]): void {
		const buffer = this.#buffer;
		let pos = 0;
		let nl = buffer.indexOf("\n");
		let cr = buffer.indexOf("\r");
		for (;;) {
			if (nl !== -1 && nl < pos) nl = buffer.indexOf("\n", pos);
			if (cr !== -1 && cr < pos) cr = buffer.indexOf("\r", pos);
			const end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr);
			if (end === -1) break;
			let next = end + 1;
			if (end === cr) {
				// A lone trailing "\r" may be half of "\r\n": wait for the next chunk unless the stream ended.
				if (end === buffer.length - 1 && !final) break;
				if (buffer.charCodeAt(end + 1) === 10) next = end + 2;
			}
			this.#onLine(buffer.slice(pos, end), events);
			pos = next;
		}
		if (pos > 0) this.#buffer = buffer.slice(pos);
	}

	#onLine(line: string, events: string[]): void {
		if (line === "") {
			if (this.#data.length === 0) return;
			events.push(this.#data.join("\n"));
			this.#data = [];
			return;
		}
		if (line.startsWith(":")) return;
		const colon = line.indexOf(":");
		const field = colon === -1 ? line : line.slice(0, colon);
		let value = colon === -1 ? "" : line.slice(colon + 1);
		if (value.startsWith(" ")) value = value.slice(1);
		if (field === "data") this.#data.push(value);
	}
}
