/**
 * The fake OpenAI server's scripted answers for the conformance suite: a user
 * message `scenario:<name>` gets the answer of that name, as a whole
 * response and as the stream of chunks a real server sends for it (tool
 * calls, parallel tool calls in fragments, a JSON-schema answer, logprobs, a
 * refusal, reasoning content, a length finish).
 */

/** One streamed step: the choice's delta and, when the server reports them, its logprobs. */
interface Step {
	delta: Record<string, unknown>;
	logprobs?: Record<string, unknown>;
}

/** A scripted answer: the final message, the steps that stream it, and how it finished. */
export interface Scenario {
	message: Record<string, unknown>;
	steps: Step[];
	finishReason: string;
	logprobs: Record<string, unknown> | null;
}

export const SCENARIO_USAGE = {
	prompt_tokens: 12,
	completion_tokens: 7,
	total_tokens: 19,
	prompt_tokens_details: { cached_tokens: 4 },
	completion_tokens_details: { reasoning_tokens: 3 },
};

const weather = (id: string, city: string) => ({
	id,
	type: "function",
	function: { name: "get_weather", arguments: JSON.stringify({ city }) },
});
const token = (t: string, logprob: number) => ({
	token: t,
	logprob,
	bytes: [...Buffer.from(t)],
	top_logprobs: [{ token: t, logprob, bytes: [...Buffer.from(t)] }],
});

const SCENARIOS: Record<string, Scenario> = {
	tool_call: {
		message: { role: "assistant", content: null, refusal: null, tool_calls: [weather("call_1", "Oslo")] },
		steps: [
			{ delta: { role: "assistant", content: null } },
			{
				delta: {
					tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }],
				},
			},
			{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } },
			{ delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] } },
		],
		finishReason: "tool_calls",
		logprobs: null,
	},
	parallel_tools: {
		message: {
			role: "assistant",
			content: null,
			refusal: null,
			tool_calls: [weather("call_a", "Oslo"), weather("call_b", "Lima")],
		},
		steps: [
			{ delta: { role: "assistant", content: null } },
			{
				delta: {
					tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }],
				},
			},
			{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } },
			{
				delta: {
					tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_weather", arguments: "" } }],
				},
			},
			{ delta: { tool_calls: [{ index: 1, function: { arguments: '{"city":"Lima"}' } }] } },
			{ delta: { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] } },
		],
		finishReason: "tool_calls",
		logprobs: null,
	},
	json_schema: {
		message: { role: "assistant", content: '{"city":"Oslo","temp_c":21}', refusal: null },
		steps: [
			{ delta: { role: "assistant", content: "" } },
			{ delta: { content: '{"city":' } },
			{ delta: { content: '"Oslo",' } },
			{ delta: { content: '"temp_c":21}' } },
		],
		finishReason: "stop",
		logprobs: null,
	},
	logprobs: {
		message: { role: "assistant", content: "Hi there", refusal: null },
		steps: [
			{ delta: { role: "assistant", content: "" } },
			{ delta: { content: "Hi" }, logprobs: { content: [token("Hi", -0.25)], refusal: null } },
			{ delta: { content: " there" }, logprobs: { content: [token(" there", -1.5)], refusal: null } },
		],
		finishReason: "stop",
		logprobs: { content: [token("Hi", -0.25), token(" there", -1.5)], refusal: null },
	},
	refusal: {
		message: { role: "assistant", content: null, refusal: "I can't help with that." },
		steps: [
			{ delta: { role: "assistant", content: null, refusal: "" } },
			{ delta: { refusal: "I can't" } },
			{ delta: { refusal: " help with that." } },
		],
		finishReason: "stop",
		logprobs: null,
	},
	reasoning: {
		message: { role: "assistant", content: "42", reasoning_content: "Six times seven." },
		steps: [
			{ delta: { role: "assistant", content: "" } },
			{ delta: { reasoning_content: "Six times" } },
			{ delta: { reasoning_content: " seven." } },
			{ delta: { content: "42" } },
		],
		finishReason: "stop",
		logprobs: null,
	},
	length: {
		message: { role: "assistant", content: "one two three", refusal: null },
		steps: [
			{ delta: { role: "assistant", content: "" } },
			{ delta: { content: "one two" } },
			{ delta: { content: " three" } },
		],
		finishReason: "length",
		logprobs: null,
	},
};

/** Names of every scripted answer. */
export const SCENARIO_NAMES = Object.keys(SCENARIOS);

/** The scripted answer a user message asks for (`scenario:<name>`), if any. */
export function scenarioFor(lastUserText: string): Scenario | null {
	const match = /^scenario:(\w+)$/.exec(lastUserText.trim());
	return match?.[1] ? (SCENARIOS[match[1]] ?? null) : null;
}

/** The whole `chat.completion` of a scenario. */
export function scenarioResponse(scenario: Scenario, base: Record<string, unknown>) {
	return {
		...base,
		object: "chat.completion",
		choices: [
			{ index: 0, message: scenario.message, logprobs: scenario.logprobs, finish_reason: scenario.finishReason },
		],
		usage: SCENARIO_USAGE,
	};
}

/** The chunks of a scenario's stream, as a server sends them (`usage: null` on each when usage was asked for). */
export function scenarioChunks(scenario: Scenario, base: Record<string, unknown>, includeUsage: boolean) {
	const usage = includeUsage ? { usage: null } : {};
	const chunk = (delta: Record<string, unknown>, logprobs: unknown, finish: string | null) => ({
		...base,
		object: "chat.completion.chunk",
		choices: [{ index: 0, delta, logprobs: logprobs ?? null, finish_reason: finish }],
		...usage,
	});
	const chunks: Record<string, unknown>[] = scenario.steps.map((step) => chunk(step.delta, step.logprobs, null));
	chunks.push(chunk({}, null, scenario.finishReason));
	if (includeUsage) chunks.push({ ...base, object: "chat.completion.chunk", choices: [], usage: SCENARIO_USAGE });
	return chunks;
}
