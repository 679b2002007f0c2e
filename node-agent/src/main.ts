/**
 * The `arcnet-agent` command line: parses the command line, loads the
 * configuration and runs a command. Exit codes: 0 ok, 1 failure, 64 usage or
 * configuration error, 73 already enrolled, 78 node revoked.
 */
import { util } from "./builtins.js";
import { doctorCommand } from "./commands/doctor.js";
import { enrollCommand } from "./commands/enroll.js";
import { rotateKeyCommand } from "./commands/rotate-key.js";
import { runCommand } from "./commands/run.js";
import { statusCommand } from "./commands/status.js";
import { type AgentConfig, ConfigError, loadConfig, OPTIONS } from "./config.js";
import { EdgeHttpError } from "./edge-client.js";
import { COMMANDS, commandHelp, globalHelp, isCommand } from "./help.js";
import { coalescingWriter } from "./log-writer.js";
import { createLogger, errorMessage } from "./logger.js";
import { AGENT_VERSION } from "./version.js";
import { EXIT_REVOKED } from "./work-loop.js";

const { parseArgs } = util;

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
	const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
		config: { type: "string" },
		help: { type: "boolean", short: "h" },
		version: { type: "boolean" },
		once: { type: "boolean" },
	};
	for (const o of OPTIONS) options[o.flag] = { type: o.boolean ? "boolean" : "string" };
	let parsed: ReturnType<typeof parseArgs>;
	try {
		parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
	} catch (err) {
		process.stderr.write(`${errorMessage(err)}\nRun arcnet-agent --help for the options.\n`);
		return 64;
	}
	const { values, positionals } = parsed;
	if (values.version) {
		process.stdout.write(`${AGENT_VERSION}\n`);
		return 0;
	}
	const command = positionals[0];
	// `arcnet-agent run --help` and `arcnet-agent help run` show run's own help.
	const helpFor = command === "help" ? positionals[1] : values.help ? command : undefined;
	if (helpFor !== undefined && isCommand(helpFor)) {
		process.stdout.write(`${commandHelp(helpFor)}\n`);
		return 0;
	}
	if (values.help || command === undefined || command === "help") {
		process.stdout.write(`${globalHelp()}\n`);
		return command === undefined && !values.help ? 64 : 0;
	}
	if (!isCommand(command)) {
		process.stderr.write(`unknown command ${JSON.stringify(command)}; expected one of ${COMMANDS.join(", ")}\n`);
		return 64;
	}
	let config: AgentConfig;
	try {
		const flags = Object.fromEntries(
			Object.entries(values).filter(
				(e): e is [string, string | boolean] => typeof e[1] !== "object" && e[0] !== "once",
			),
		);
		const configPath = typeof values.config === "string" ? values.config : env.ARCNET_CONFIG || undefined;
		config = loadConfig({ flags, env, configPath });
	} catch (err) {
		if (command === "doctor") {
			const fix = "correct the named field in the flag, environment variable or config file it came from";
			process.stdout.write(
				`fail  config    ${errorMessage(err).split("\n").join("\n                ")}\n      fix: ${fix}\n`,
			);
			return 1;
		}
		process.stderr.write(`invalid configuration:\n${errorMessage(err)}\n`);
		return err instanceof ConfigError ? 64 : 1;
	}
	// `run` logs on every job: its lines leave once per event-loop turn (log-writer.ts); one-shot commands write at once.
	const write = command === "run" ? coalescingWriter().write : undefined;
	const logger = createLogger({ format: config.logFormat, level: config.logLevel, ...(write ? { write } : {}) });
	try {
		switch (command) {
			case "enroll":
				return await enrollCommand(config, logger);
			case "doctor":
				return await doctorCommand(config);
			case "status":
				return await statusCommand(config, { once: values.once === true });
			case "rotate-key":
				return await rotateKeyCommand(config, logger);
			default:
				return await runCommand(config, logger);
		}
	} catch (err) {
		if (err instanceof EdgeHttpError && err.revoked) {
			logger.error("this node was revoked by an operator; stopping");
			return EXIT_REVOKED;
		}
		logger.error(`${command} failed`, { error: errorMessage(err) });
		return 1;
	}
}
