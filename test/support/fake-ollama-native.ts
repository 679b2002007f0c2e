/**
 * The fake server's Ollama-native routes, for the conformance suite's agent
 * on the Ollama backend: GET /api/tags, POST /api/show (chat, tools and
 * thinking) and POST /api/chat, which answers a user message
 * `scenario:<name>` with that scenario as Ollama streams it: whole tool calls
 * with their arguments as objects, `thinking` lines, content lines, then the
 * `done` line with Ollama's reason and counts. A refusal has no Ollama form
 * (Ollama has no such field): that scenario answers 400.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { SCENARIO_USAGE, type Scenario, scenarioFor } from "./fake-openai-scenarios.js";

interface OllamaChatRequest {
	model?: string;
	messages?: { role: string; content?: string }[];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { "content-type": "application/json" });
	res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

/** A scenario's lines as Ollama's /api/chat streams them, the `done` line last. */
export function ollamaLines(model: string, scenario: Scenario): object[] {
	const line = (message: Record<string, unknown>) => ({
		model,
		message: { role: "assistant", ...message },
		done: false,
	});
	const lines: object[] = [];
	for (const { delta } of scenario.steps) {
		if (typeof delta.reasoning_content === "string")
			lines.push(line({ content: "", thinking: delta.reasoning_content }));
		if (typeof delta.content === "string" && delta.content !== "") lines.push(line({ content: delta.content }));
	}
	const calls = (scenario.message.tool_calls ?? []) as { function: { name: string; arguments: string } }[];
	for (const call of calls) {
		const args: unknown = JSON.parse(call.function.arguments);
		lines.push(line({ content: "", tool_calls: [{ function: { name: call.function.name, arguments: args } }] }));
	}
	lines.push({
		model,
		message: { role: "assistant", content: "" },
		done: true,
		done_reason: scenario.finishReason === "length" ? "length" : "stop",
		prompt_eval_count: SCENARIO_USAGE.prompt_tokens,
		eval_count: SCENARIO_USAGE.completion_tokens,
	});
	return lines;
}

async function chat(req: IncomingMessage, res: ServerResponse, models: readonly string[]): Promise<void> {
	const body = (await readJson(req)) as OllamaChatRequest;
	if (!body.model || !models.includes(body.model)) {
		return sendJson(res, 404, { error: `model "${body.model}" not found, try pulling it first` });
	}
	const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === "user");
	const scenario = scenarioFor(lastUser?.content ?? "");
	if (!scenario || scenario.message.refusal) {
		return sendJson(res, 400, { error: "the fake Ollama answers scenario:<name> messages other than a refusal" });
	}
	res.writeHead(200, { "content-type": "application/x-ndjson" });
	for (const line of ollamaLines(body.model, scenario)) res.write(`${JSON.stringify(line)}\n`);
	res.end();
}

/** Answers an /api/ request of Ollama's native API; false when the path is none of them. */
export function ollamaNativeRoute(req: IncomingMessage, res: ServerResponse, models: readonly string[]): boolean {
	const path = (req.url ?? "/").split("?")[0];
	const fail = (err: unknown) => sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
	if (req.method === "GET" && path === "/api/tags") {
		sendJson(res, 200, { models: models.map((name) => ({ name, model: name })) });
		return true;
	}
	if (req.method === "POST" && path === "/api/show") {
		const show = { capabilities: ["completion", "tools", "thinking"], model_info: { "llama.context_length": 8192 } };
		readJson(req).then(() => sendJson(res, 200, show), fail);
		return true;
	}
	if (req.method === "POST" && path === "/api/chat") {
		chat(req, res, models).catch(fail);
		return true;
	}
	return false;
}
