/**
 * CLI for the fake OpenAI-compatible server (test/support/fake-openai-server.ts),
 * so an agent can be pointed at a predictable backend by hand:
 *   npx tsx scripts/fake-openai.ts --port 8000 --models llama-3.1-8b-instruct --token-delay-ms 20
 * It listens on 127.0.0.1 only and stops on Ctrl-C or SIGTERM.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { startFakeOpenAI } from "../test/support/fake-openai-server.js";
import { intFlag, parseFlagsOrExit } from "./cli-flags.js";

const argsSchema = z.object({
	port: intFlag("port", 0, 65_535),
	models: z.string().regex(/^[\w.:/@+-]+(,[\w.:/@+-]+)*$/, {
		error: (i) => `--models: expected comma-separated model names, got ${JSON.stringify(i.input)}`,
	}),
	tokenDelayMs: intFlag("token-delay-ms", 0, 10_000),
});

const { values } = parseArgs({
	options: {
		/** TCP port on 127.0.0.1; default 0 (any free port). */
		port: { type: "string", default: "0" },
		/** Comma-separated model names; default llama-3.1-8b-instruct. */
		models: { type: "string", default: "llama-3.1-8b-instruct" },
		/** Delay before each token in ms; default 0. */
		"token-delay-ms": { type: "string", default: "0" },
	},
});
const flags = parseFlagsOrExit(argsSchema, {
	port: values.port,
	models: values.models,
	tokenDelayMs: values["token-delay-ms"],
});
const server = await startFakeOpenAI({
	port: flags.port,
	models: flags.models.split(",").map((m) => m.trim()),
	tokenDelayMs: flags.tokenDelayMs,
});
console.log(`fake OpenAI server on ${server.url}/v1 (models: ${flags.models})`);
const shutdown = () => {
	server.close().then(() => process.exit(0));
};
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
