/**
 * The texts of `arcnet-agent --help` and of each command's `--help`: what it
 * does, its usage, the options it reads and an example. The option lines come
 * from the option table (config-options.ts), so they cannot drift from it.
 */
import { OPTIONS } from "./config-options.js";
import { AGENT_VERSION } from "./version.js";

/** The commands, in the order the global help lists them. */
export const COMMANDS = ["enroll", "run", "doctor", "status", "rotate-key"] as const;
export type CommandName = (typeof COMMANDS)[number];

interface CommandHelp {
	usage: string;
	summary: string;
	/** Flags of the option table this command reads. */
	flags: string[];
	/** Lines after the option table: command-only flags and notes. */
	extra?: string[];
	example: string;
}

const LOGS = ["log-format", "log-level"];
const BACKEND = ["backend", "backend-url", "backend-api-key", "models"];

const HELP: Record<CommandName, CommandHelp> = {
	enroll: {
		usage: "arcnet-agent enroll --edge <url> --token <token> [options]",
		summary:
			"Register this host with the edge once: generate an Ed25519 key pair, trade the one-time token for a node id, write <state-dir>/identity.json (0600).",
		flags: ["edge", "token", "state-dir", "name", "gpu-model", "force", ...LOGS],
		example:
			"arcnet-agent enroll --edge https://edge.example.com --token $TOKEN --name gpu-01 --state-dir /var/lib/arcnet-agent",
	},
	run: {
		usage: "arcnet-agent run [options]",
		summary:
			"Pull jobs from the zone and run them on the local inference server, sending telemetry every interval. Needs an identity (enroll first). SIGTERM drains.",
		flags: [
			"state-dir",
			"edge",
			...BACKEND,
			"slots",
			"sim-tokens-per-second",
			"telemetry-interval-ms",
			"poll-wait-ms",
			"edge-channel",
			"drain-grace-ms",
			"gpu",
			"nvidia-smi",
			...LOGS,
		],
		example: "arcnet-agent run --state-dir /var/lib/arcnet-agent --backend openai --backend-url http://127.0.0.1:8000",
	},
	doctor: {
		usage: "arcnet-agent doctor [options]",
		summary:
			"Check the configuration, identity, edge, the edge's acceptance of this node, the backend and the GPUs; print a fix under each problem. Exits 1 when a check fails.",
		flags: ["state-dir", "edge", ...BACKEND, "gpu", "nvidia-smi"],
		example: "arcnet-agent doctor --state-dir /var/lib/arcnet-agent --backend-url http://127.0.0.1:8000",
	},
	status: {
		usage: "arcnet-agent status [--once] [options]",
		summary:
			"Show the running agent's status file: edge connection, GPUs, host, running jobs and tokens/s; live (redrawn every second) on a terminal.",
		flags: ["state-dir"],
		extra: [option("--once", "Print one plain-text view and exit.")],
		example: "sudo -u arcnet arcnet-agent status --state-dir /var/lib/arcnet-agent --once",
	},
	"rotate-key": {
		usage: "arcnet-agent rotate-key [options]",
		summary:
			"Replace this node's key pair: the edge accepts the new public key in a request signed with the current one, then identity.json is replaced. Restart a running agent afterwards.",
		flags: ["state-dir", "edge", ...LOGS],
		example:
			"sudo -u arcnet arcnet-agent rotate-key --state-dir /var/lib/arcnet-agent && systemctl restart arcnet-agent",
	},
};

function option(flag: string, doc: string): string {
	return `  ${flag.padEnd(34)} ${doc}`;
}

function optionLines(flags: readonly string[]): string[] {
	return OPTIONS.filter((o) => flags.includes(o.flag)).map((o) =>
		option(`--${o.flag}${o.boolean ? "" : " <value>"}`, `${o.doc}. Env ${o.env}. Default ${o.defaultDoc}.`),
	);
}

const COMMON = [
	option("--config <path>", "JSON file with camelCase option keys. Env ARCNET_CONFIG."),
	option("--help, -h", "Show this help."),
];

/** The help of one command: summary, usage, its options and an example. */
export function commandHelp(command: CommandName): string {
	const h = HELP[command];
	return [
		`arcnet-agent ${command}: ${h.summary}`,
		"",
		`Usage: ${h.usage}`,
		"",
		"Options (precedence: flags > env > --config file > defaults):",
		...optionLines(h.flags),
		...(h.extra ?? []),
		...COMMON,
		"",
		"Example:",
		`  ${h.example}`,
	].join("\n");
}

/** The global help: every command and every option. */
export function globalHelp(): string {
	return [
		`arcnet-agent ${AGENT_VERSION}: ArcNet Edge node agent`,
		"",
		"Usage:",
		"  arcnet-agent enroll --edge <url> --token <token> [options]",
		"  arcnet-agent run [options]",
		"  arcnet-agent doctor [options]       check config, edge, identity, backend and GPU; print fixes",
		"  arcnet-agent status [--once]        live view of the running agent (GPUs, jobs, tokens/s)",
		"  arcnet-agent rotate-key [options]   replace the node's key pair (restart the agent afterwards)",
		"  arcnet-agent <command> --help       that command's options and an example",
		"",
		"Options (precedence: flags > env > --config file > defaults):",
		option("--config <path>", "JSON file with camelCase option keys. Env ARCNET_CONFIG."),
		...optionLines(OPTIONS.map((o) => o.flag)),
		option("--once", "status: print one plain-text view and exit."),
		option("--help, -h", "Show this help."),
		option("--version", "Print the version."),
	].join("\n");
}

/** True when `name` is one of the commands. */
export function isCommand(name: string): name is CommandName {
	return (COMMANDS as readonly string[]).includes(name);
}
