/**
 * Server-Sent Events for inference backends' streaming responses, parsed by
 * eventsource-parser (bundled): network chunks split lines and UTF-8
 * characters anywhere, and it follows the WHATWG rules for CR, LF and CRLF,
 * comments and fields. This wrapper keeps the agent's calling shape: it is
 * synchronous (the caller feeds the chunks it reads and gets back the events
 * each one completed, so a job's events cost no promise each), and at the end
 * of the stream it delivers a last event that lacks its closing blank line,
 * which some backends send.
 */
import { createParser, type EventSourceParser } from "eventsource-parser";

/** Incremental SSE parser: each event's `data` (multiple data lines joined by "\n"); comments and other fields are skipped. */
export class SseParser {
	readonly #decoder = new TextDecoder();
	readonly #parser: EventSourceParser;
	#events: string[] = [];

	constructor() {
		this.#parser = createParser({ onEvent: (event) => this.#events.push(event.data) });
	}

	/** Adds bytes; returns the data of the events they completed. */
	push(chunk: Uint8Array): string[] {
		this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
		return this.#take();
	}

	/** The stream ended: returns the data of the events left, including a last one that lacks the closing blank line. */
	end(): string[] {
		// Two line ends complete an unterminated line and then the event it belongs to.
		this.#parser.feed(`${this.#decoder.decode()}\n\n`);
		return this.#take();
	}

	#take(): string[] {
		const events = this.#events;
		this.#events = [];
		return events;
	}
}
