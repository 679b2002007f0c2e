/**
 * Records refused API keys in the console's event log without turning a
 * flood of bad keys into a flood of D1 writes: each isolate writes at most
 * one event per REFUSAL_EVENT_INTERVAL_MS, counting the refusals in between.
 * Only a key's public prefix is ever written, never the key.
 */
import { recordEvent } from "../db/events.js";
import { apiKeyPrefix } from "./api-keys.js";

/** Shortest gap between two key_refused events of one isolate. */
export const REFUSAL_EVENT_INTERVAL_MS = 10_000;

let lastWrittenAt = Number.NEGATIVE_INFINITY;
let unwritten = 0;

/** Notes one refusal; returns the D1 write to hand to waitUntil, or null when this one is only counted. */
export function noteRefusedKey(
	env: Pick<Env, "DB">,
	token: string,
	api: "client" | "admin" | "console",
	now = Date.now(),
): Promise<void> | null {
	unwritten += 1;
	if (now - lastWrittenAt < REFUSAL_EVENT_INTERVAL_MS) return null;
	const count = unwritten;
	lastWrittenAt = now;
	unwritten = 0;
	const prefix = apiKeyPrefix(token);
	const which = prefix ? `key ${prefix}` : "a key of unknown form";
	const more = count > 1 ? ` (${count} refusals since the last event)` : "";
	return recordEvent(env, { kind: "key_refused", at: now, message: `${api} API refused ${which}${more}` });
}
