/**
 * Structured logging for the agent: one line per record, as `text` for people
 * or `json` for log shippers. Loggers are scoped (`child`) so that every line
 * about a job carries its jobId and attempt without each call repeating them.
 */

/** Log levels from most to least verbose. */
export type LogLevel = "debug" | "info" | "warn" | "error";
/** `text`: `ts LEVEL msg key=value`; `json`: one JSON object per line. */
export type LogFormat = "text" | "json";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
	debug(msg: string, fields?: LogFields): void;
	info(msg: string, fields?: LogFields): void;
	warn(msg: string, fields?: LogFields): void;
	error(msg: string, fields?: LogFields): void;
	/** A logger whose lines all carry `fields` (e.g. `{ jobId, attempt }`). */
	child(fields: LogFields): Logger;
}

export interface LoggerOptions {
	format: LogFormat;
	level: LogLevel;
	/** Where lines go; defaults to stderr so stdout stays free for command output. */
	write?: (line: string) => void;
	now?: () => Date;
}

function textValue(value: string | number | boolean | null): string {
	const s = String(value);
	return /^[^\s="]+$/.test(s) ? s : JSON.stringify(s);
}

const LABELS: Record<LogLevel, string> = { debug: "DEBUG", info: "INFO ", warn: "WARN ", error: "ERROR" };

/** Creates a logger that drops records below `level`. */
export function createLogger(options: LoggerOptions, scope: LogFields = {}): Logger {
	const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
	const now = options.now ?? (() => new Date());
	const minRank = RANK[options.level];
	// The agent logs two lines per job on its critical path: plain loops, no entries/filter/fromEntries copies.
	const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
		if (RANK[level] < minRank) return;
		const all: LogFields = fields ? { ...scope, ...fields } : scope;
		const ts = now().toISOString();
		if (options.format === "json") {
			const record: Record<string, string | number | boolean | null> = { ts, level, msg };
			for (const key in all) {
				const value = all[key];
				if (value !== undefined) record[key] = value;
			}
			write(JSON.stringify(record));
			return;
		}
		let line = `${ts} ${LABELS[level]} ${msg}`;
		for (const key in all) {
			const value = all[key];
			if (value !== undefined) line += ` ${key}=${textValue(value)}`;
		}
		write(line);
	};
	return {
		debug: (msg, fields) => emit("debug", msg, fields),
		info: (msg, fields) => emit("info", msg, fields),
		warn: (msg, fields) => emit("warn", msg, fields),
		error: (msg, fields) => emit("error", msg, fields),
		child: (fields) => createLogger(options, { ...scope, ...fields }),
	};
}

/**
 * A message for anything thrown, including non-Error values and `cause`
 * chains. A cause whose text the message already quotes (the agent's own
 * errors often do) is not repeated.
 */
export function errorMessage(err: unknown): string {
	if (!(err instanceof Error)) return String(err);
	let text = err.message;
	const seen = new Set<unknown>([err]);
	for (let cause = err.cause; cause instanceof Error && !seen.has(cause); cause = cause.cause) {
		seen.add(cause);
		if (cause.message && !text.includes(cause.message)) text += `: ${cause.message}`;
	}
	return text;
}
