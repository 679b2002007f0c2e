/**
 * The agent's configuration: one zod schema, fed from four sources with the
 * precedence flags > environment (ARCNET_*) > JSON config file > defaults.
 * Errors name the field, where the value came from, the value itself and what
 * is allowed, so an operator can fix a unit file without reading code.
 */
import { homedir, hostname } from "node:os";
import { join } from "node:path";
import { MAX_DECLARED_GCO2_PER_KWH, POWER_SOURCES } from "../../src/protocol/power-source.js";
import * as z from "../../src/protocol/zod-mini.js";
import { fs } from "./builtins.js";
import { OPTIONS } from "./config-options.js";
import { parseListenAddress } from "./metrics/metrics-server.js";

const { readFileSync } = fs;

export { OPTIONS, type OptionSpec } from "./config-options.js";

function describe(value: unknown): string {
	return `${JSON.stringify(value) ?? String(value)} (${Array.isArray(value) ? "array" : typeof value})`;
}

/** Records why a value was refused; returned from a reader in place of a value. */
type Fail = (message: string) => never;

/** An option that accepts any input and lets `read` turn it into a T, or refuse it with a message of its own. */
function option<T>(read: (raw: unknown, fail: Fail) => T) {
	return z.pipe(
		z.unknown(),
		z.transform((raw, payload) =>
			read(raw, (message) => {
				payload.issues.push({ code: "custom", message, input: raw });
				return z.NEVER;
			}),
		),
	);
}

/** An integer option; strings from flags and env are parsed, other types refused. */
function intIn(min: number, max: number) {
	return option((raw, fail) => {
		const n = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
		if (typeof n === "number" && Number.isInteger(n) && n >= min && n <= max) return n;
		return fail(`expected an integer from ${min} to ${max}, got ${describe(raw)}`);
	});
}

function oneOf<const T extends string>(values: readonly T[]) {
	return option((raw, fail): T => {
		const found = values.find((v) => v === raw);
		if (found !== undefined) return found;
		return fail(`expected one of ${values.join(", ")}, got ${describe(raw)}`);
	});
}

function text(what: string, max: number, pattern?: RegExp) {
	return option((raw, fail) => {
		if (typeof raw === "string" && raw.length >= 1 && raw.length <= max && (!pattern || pattern.test(raw))) return raw;
		return fail(`expected ${what}, got ${describe(raw)}`);
	});
}

/** A decimal number option; strings from flags and env are parsed, other types refused. */
function numberIn(min: number, max: number) {
	return option((raw, fail) => {
		const n = typeof raw === "string" && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw.trim()) : raw;
		if (typeof n === "number" && Number.isFinite(n) && n >= min && n <= max) return n;
		return fail(`expected a number from ${min} to ${max}, got ${describe(raw)}`);
	});
}

const httpUrl = text("an http(s) URL such as http://127.0.0.1:8787", 2000, /^https?:\/\/[^\s/]+(\/\S*)?$/);

/** `host:port` or a port (loopback); parsed into the address the metrics server binds. */
const listenAddress = option((raw, fail) => {
	if (typeof raw !== "string") return fail(`expected host:port or a port, got ${describe(raw)}`);
	const parsed = parseListenAddress(raw);
	return typeof parsed === "string" ? fail(parsed) : parsed;
});

const MODEL = /^[\w.:/@+-]{1,200}$/;
/** A comma-separated (or array) list of `min` to 100 model names. */
function modelListOf(min: number) {
	return option((raw, fail) => {
		const list =
			typeof raw === "string"
				? raw
						.split(",")
						.map((m) => m.trim())
						.filter(Boolean)
				: raw;
		if (
			Array.isArray(list) &&
			list.length >= min &&
			list.length <= 100 &&
			list.every((m) => typeof m === "string" && MODEL.test(m))
		) {
			return list as string[];
		}
		return fail(`expected ${min} to 100 model names (letters, digits and . : / @ + - _), got ${describe(raw)}`);
	});
}
const modelList = modelListOf(1);

const bool = option((raw, fail) => {
	if (raw === true || raw === "true" || raw === "1") return true;
	if (raw === false || raw === "false" || raw === "0") return false;
	return fail(`expected true or false, got ${describe(raw)}`);
});

/** The validated configuration. Optional fields are only needed by some commands. */
export const agentConfigSchema = z.object({
	edgeUrl: z.optional(httpUrl),
	stateDir: text("a directory path", 4096),
	token: z.optional(text("an enrollment token of 16 to 200 characters", 200, /^.{16,}$/)),
	name: text("a node name of 1 to 100 characters", 100),
	gpuModel: z.optional(text("a GPU model name of up to 100 characters", 100)),
	force: bool,
	backend: oneOf(["openai", "ollama", "simulated"] as const),
	backendUrl: httpUrl,
	backendApiKey: z.optional(text("an API key", 4096)),
	models: modelList,
	embeddingModels: modelListOf(0),
	slots: intIn(1, 1024),
	simTokensPerSecond: intIn(0, 100_000),
	telemetryIntervalMs: intIn(1000, 60_000),
	pollWaitMs: intIn(0, 30_000),
	edgeChannel: oneOf(["websocket", "http"] as const),
	drainGraceMs: intIn(0, 600_000),
	gpu: oneOf(["auto", "nvidia-smi", "simulated"] as const),
	nvidiaSmi: text("an executable name or path", 4096),
	powerSource: z.optional(oneOf(POWER_SOURCES)),
	powerGco2PerKwh: z.optional(numberIn(0, MAX_DECLARED_GCO2_PER_KWH)),
	powerNote: z.optional(text("a note of 1 to 200 characters", 200)),
	powerStateCommand: z.optional(text("a shell command", 4096)),
	powerStateFile: z.optional(text("a file path", 4096)),
	logFormat: oneOf(["text", "json"] as const),
	logLevel: oneOf(["debug", "info", "warn", "error"] as const),
	metricsListen: z.optional(listenAddress),
	otlpEndpoint: z.optional(httpUrl),
});
export type AgentConfig = z.output<typeof agentConfigSchema>;

/** Defaults, lowest precedence. */
export function defaults(): Record<string, unknown> {
	return {
		stateDir: join(homedir(), ".arcnet-agent"),
		name: hostname().slice(0, 100) || "arcnet-node",
		force: false,
		backend: "openai",
		backendUrl: "http://127.0.0.1:8000",
		models: ["arcnet-sim-1"],
		embeddingModels: [],
		slots: 4,
		simTokensPerSecond: 50,
		telemetryIntervalMs: 5000,
		pollWaitMs: 25_000,
		edgeChannel: "websocket",
		drainGraceMs: 30_000,
		gpu: "auto",
		nvidiaSmi: "nvidia-smi",
		logFormat: "text",
		logLevel: "info",
	};
}

/** A configuration error; its message lists every bad field. */
export class ConfigError extends Error {
	override readonly name = "ConfigError";
}

export interface ConfigSources {
	/** Parsed command-line flags, keyed by flag name (`backend-url`). */
	flags: Record<string, string | boolean | undefined>;
	env: Record<string, string | undefined>;
	/** Path of a JSON file with camelCase keys (`backendUrl`), or undefined. */
	configPath?: string | undefined;
}

function readConfigFile(path: string): Record<string, unknown> {
	let raw: string;
	try {
		raw = readFileSync(path, "utf8");
	} catch (err) {
		throw new ConfigError(`config: cannot read ${path}: ${err instanceof Error ? err.message : String(err)}`);
	}
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw);
	} catch (err) {
		throw new ConfigError(`config: ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
	}
	if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
		throw new ConfigError(`config: ${path} must hold a JSON object, got ${describe(parsed)}`);
	}
	const known = new Set(OPTIONS.map((o) => o.key));
	const unknown = Object.keys(parsed).filter((k) => !known.has(k as keyof AgentConfig));
	if (unknown.length > 0) {
		throw new ConfigError(`config: ${path} has unknown keys ${unknown.join(", ")}; allowed: ${[...known].join(", ")}`);
	}
	return parsed as Record<string, unknown>;
}

/** Merges the sources (flags > env > file > defaults) and validates the result. */
export function loadConfig(sources: ConfigSources): AgentConfig {
	const file = sources.configPath ? readConfigFile(sources.configPath) : {};
	const merged: Record<string, unknown> = defaults();
	const origin: Record<string, string> = {};
	for (const o of OPTIONS) {
		const fromFlag = sources.flags[o.flag];
		const fromEnv = sources.env[o.env];
		if (fromFlag !== undefined) {
			merged[o.key] = fromFlag;
			origin[o.key] = `flag --${o.flag}`;
		} else if (fromEnv !== undefined && fromEnv !== "") {
			merged[o.key] = fromEnv;
			origin[o.key] = `env ${o.env}`;
		} else if (file[o.key] !== undefined) {
			merged[o.key] = file[o.key];
			origin[o.key] = `config file ${sources.configPath}`;
		}
	}
	const result = agentConfigSchema.safeParse(merged);
	const lines = result.success
		? powerProblems(result.data)
		: result.error.issues.map((issue) => ({ key: String(issue.path[0] ?? "config"), message: issue.message }));
	if (result.success && lines.length === 0) return result.data;
	throw new ConfigError(
		lines.map(({ key, message }) => `${key}: ${message}${origin[key] ? ` (from ${origin[key]})` : ""}`).join("\n"),
	);
}

/** Power options that are valid alone but not together: the figures describe a declared source. */
function powerProblems(config: AgentConfig): { key: string; message: string }[] {
	const problems: { key: string; message: string }[] = [];
	const needsSource = (key: keyof AgentConfig, value: unknown) => {
		if (value !== undefined && config.powerSource === undefined) {
			problems.push({ key, message: `set powerSource too: got ${describe(value)} with no power source` });
		}
	};
	needsSource("powerGco2PerKwh", config.powerGco2PerKwh);
	needsSource("powerNote", config.powerNote);
	needsSource("powerStateCommand", config.powerStateCommand);
	needsSource("powerStateFile", config.powerStateFile);
	if (config.powerSource === "grid" && config.powerGco2PerKwh !== undefined) {
		problems.push({
			key: "powerGco2PerKwh",
			message: `a grid node counts at its zone's live signal; got ${describe(config.powerGco2PerKwh)} with powerSource grid`,
		});
	}
	if (config.powerStateCommand !== undefined && config.powerStateFile !== undefined) {
		problems.push({ key: "powerStateFile", message: "set powerStateCommand or powerStateFile, not both" });
	}
	return problems;
}
