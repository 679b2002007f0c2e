/**
 * The job output stream between a GeozoneDO and the Worker that submitted
 * the job: newline-delimited JSON, one {@link JobStreamEvent} per line. Only
 * bytes cross Durable Object RPC as streams, hence the encoding.
 */

import type { JobErrorCode, TokenUsage } from "./agent-wire.js";
import type { JsonObject } from "./json-value.js";
import type { FinishReason } from "./openai.js";

/** A finished job's estimate (durable-objects/energy/): GPU energy in J, gCO2eq at the routed zone's intensity, GPU class used. */
export interface JobStreamEstimate {
	energyJ: number;
	gco2: number;
	gpuClass: string;
	/** `measured`: energyJ is what the node's GPUs used (nvidia-smi); absent or `estimated`: tokens × J/token. */
	energySource?: EnergySource;
}

/** Whether a job's energy was measured on its node or estimated from its tokens. */
export type EnergySource = "measured" | "estimated";

/**
 * Error codes on a job's stream: a node's, plus the zone's own `no_capacity` (the zone lost every
 * node for the model, so the Worker tries the next zone) and `timeout` (a deadline passed).
 */
export type JobStreamErrorCode = JobErrorCode | "no_capacity" | "timeout";

export type JobStreamEvent =
	/** The job was leased to a node (sent once per attempt). */
	| { type: "assigned"; nodeId: string; attempt: number }
	/** Output: its text, and the backend's chunk as it came when the backend is OpenAI-shaped (ADR 0016). */
	| { type: "delta"; text: string; chunk?: JsonObject }
	| {
			type: "done";
			finishReason: FinishReason;
			usage: TokenUsage;
			/** An unstreamed job's backend response, relayed as it came. */
			response?: JsonObject;
			/** The job's estimated GPU energy and emissions; absent when the zone's intensity was not known. */
			estimate?: JobStreamEstimate;
	  }
	| { type: "error"; code: JobStreamErrorCode; message: string };

/** Encodes one event as an NDJSON line (the zone's OutputStreams writes the lines of one turn as one chunk). */
export function encodeJobStreamLine(event: JobStreamEvent): string {
	return `${JSON.stringify(event)}\n`;
}

/**
 * Decodes an NDJSON byte stream into events, tolerating lines split across chunks.
 * @example for await (const ev of decodeJobStream(stream)) console.log(ev.type)
 */
export async function* decodeJobStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<JobStreamEvent> {
	const decoder = new TextDecoder();
	const reader = stream.getReader();
	let buffered = "";
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			buffered += decoder.decode(value, { stream: true });
			let newline = buffered.indexOf("\n");
			while (newline >= 0) {
				const line = buffered.slice(0, newline);
				buffered = buffered.slice(newline + 1);
				if (line.length > 0) yield JSON.parse(line) as JobStreamEvent;
				newline = buffered.indexOf("\n");
			}
		}
		if (buffered.trim().length > 0) yield JSON.parse(buffered) as JobStreamEvent;
	} finally {
		reader.releaseLock();
	}
}
