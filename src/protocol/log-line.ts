/**
 * Structured log lines: one JSON object per line with `level`, `event` and
 * the ids known where it is written (job, zone, node, tenant, trace). The
 * Worker and the Durable Objects log through it, so Workers Logs indexes the
 * same field names everywhere (docs/operations.md, "Tracing and logs").
 * Nothing said in a job (prompt, output) and no secret may reach a log: fields
 * with such names are dropped, and text shaped like a credential is masked.
 */

export type LogLevel = "info" | "warn" | "error";

/** A line's fields: ids, counts, codes; null and undefined are left out. `error` may hold anything thrown; it is written as its message. */
export interface LogFields {
	job?: string | null | undefined;
	zone?: string | null | undefined;
	node?: string | null | undefined;
	tenant?: string | null | undefined;
	trace?: string | null | undefined;
	span?: string | null | undefined;
	error?: unknown;
	[field: string]: unknown;
}

/** Field names whose values are never written: what a job says, and credentials. Compared lowercased. */
const WITHHELD_FIELDS: ReadonlySet<string> = new Set([
	"prompt",
	"messages",
	"input",
	"output",
	"content",
	"text",
	"completion",
	"choices",
	"body",
	"request",
	"response",
	"secret",
	"token",
	"authorization",
	"password",
	"apikey",
	"api_key",
	"key",
	"jwt",
	"webhooksecret",
	"privatekey",
]);

/** Credential shapes masked inside any text: JWTs, bearer values, tenant keys, enrollment tokens, sk- keys. */
const CREDENTIALS: readonly [RegExp, string][] = [
	[/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g, "[jwt]"],
	[/\b(Bearer)\s+\S+/gi, "$1 [redacted]"],
	[/\b(ak_[0-9a-f]{10})_[A-Za-z0-9_-]+/g, "$1_[redacted]"],
	[/\benr_[A-Za-z0-9]{8,}/g, "enr_[redacted]"],
	[/\bsk-[A-Za-z0-9_-]{8,}/g, "sk-[redacted]"],
];

/** Longest text value written; an error message or a reason never needs more. */
export const MAX_LOG_TEXT = 1000;

/** Masks credential shapes in `text` and caps its length. */
export function maskCredentials(text: string): string {
	let out = text.length > MAX_LOG_TEXT ? `${text.slice(0, MAX_LOG_TEXT)}…` : text;
	for (const [shape, replacement] of CREDENTIALS) out = out.replace(shape, replacement);
	return out;
}

/** The JSON line for one record: `{ level, event, ...fields }`, withheld fields left out and text masked. */
export function logLine(level: LogLevel, event: string, fields: LogFields = {}): string {
	const record: Record<string, string | number | boolean> = { level, event };
	for (const name in fields) {
		const value = fields[name];
		if (value === undefined || value === null || WITHHELD_FIELDS.has(name.toLowerCase())) continue;
		record[name] = loggable(name === "error" ? errorText(value) : value);
	}
	return JSON.stringify(record);
}

/** Writes one record to the console: `error` to console.error, `warn` to console.warn, `info` to console.log. */
export function log(level: LogLevel, event: string, fields: LogFields = {}): void {
	const line = logLine(level, event, fields);
	if (level === "error") console.error(line);
	else if (level === "warn") console.warn(line);
	else console.log(line);
}

function loggable(value: unknown): string | number | boolean {
	if (typeof value === "number" || typeof value === "boolean") return value;
	if (typeof value === "string") return maskCredentials(value);
	// Nested objects are written as JSON with the same fields withheld at every depth.
	return maskCredentials(JSON.stringify(value, withhold) ?? String(value));
}

function withhold(name: string, value: unknown): unknown {
	return WITHHELD_FIELDS.has(name.toLowerCase()) ? undefined : value;
}

/** An error's text: its name when not plain Error, its message, and the messages of its causes. */
export function errorText(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	let text = error.name && error.name !== "Error" ? `${error.name}: ${error.message}` : error.message;
	const seen = new Set<unknown>([error]);
	for (let cause = error.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
		seen.add(cause);
		if (cause.message && !text.includes(cause.message)) text += `: ${cause.message}`;
	}
	return text;
}
