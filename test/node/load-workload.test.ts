import { afterEach, describe, expect, it } from "vitest";
import { drawTokenCount, exponentialGapMs, meanTokenCount } from "../../bench/load/workload.js";
import { mulberry32 } from "../../bench/routing/prng.js";
import { fillIndices } from "../support/fake-openai-fill.js";
import { type FakeOpenAIServer, startFakeOpenAI } from "../support/fake-openai-server.js";
import { parseSseData } from "../support/sse.js";

const MODEL = "llama-3.1-8b-instruct";

describe("the load test's workload", () => {
	it("draws answer lengths around the median, within the clamp", () => {
		const random = mulberry32(7);
		const shape = { median: 250, sigma: 0.6, min: 1, max: 2000 };
		const draws = Array.from({ length: 4000 }, () => drawTokenCount(shape, random)).sort((a, b) => a - b);
		expect(draws[2000]).toBeGreaterThan(235);
		expect(draws[2000]).toBeLessThan(265);
		expect(draws[0]).toBeGreaterThanOrEqual(1);
		expect(draws.at(-1)).toBeLessThanOrEqual(2000);
		const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
		expect(Math.abs(mean - meanTokenCount(shape)) / meanTokenCount(shape)).toBeLessThan(0.05);
	});

	it("spaces Poisson arrivals by 1/rate on average", () => {
		const random = mulberry32(3);
		const gaps = Array.from({ length: 5000 }, () => exponentialGapMs(4, random));
		const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
		expect(mean).toBeGreaterThan(240);
		expect(mean).toBeLessThan(260);
	});
});

describe("the fake server's load mode", () => {
	let fake: FakeOpenAIServer | undefined;
	afterEach(async () => {
		await fake?.close();
		fake = undefined;
	});

	const stream = async (url: string, prompt: string, maxTokens: number) => {
		const res = await fetch(`${url}/v1/chat/completions`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({
				model: MODEL,
				messages: [{ role: "user", content: prompt }],
				stream: true,
				max_tokens: maxTokens,
			}),
		});
		const contents = parseSseData(await res.text()).flatMap((e) => {
			if (typeof e !== "object" || e === null || !("choices" in e) || !Array.isArray(e.choices)) return [];
			const content: unknown = e.choices[0]?.delta?.content;
			return typeof content === "string" && content !== "" ? [content] : [];
		});
		return contents;
	};

	it("streams max_tokens numbered tokens and reports each one's send time, in order", async () => {
		const sent: { prompt: string; index: number; at: number }[] = [];
		fake = await startFakeOpenAI({ models: [MODEL], tokenDelayMs: 2 });
		fake.controls.fill = { defaultTokens: 3, onTokenSent: (prompt, index, at) => sent.push({ prompt, index, at }) };
		const contents = await stream(fake.url, "load job 1", 5);
		expect(contents).toEqual(["w0", " w1", " w2", " w3", " w4"]);
		expect(fillIndices(contents.join(""))).toEqual([0, 1, 2, 3, 4]);
		expect(sent.map((s) => [s.prompt, s.index])).toEqual([0, 1, 2, 3, 4].map((i) => ["load job 1", i]));
		const times = sent.map((s) => s.at);
		expect(times).toEqual([...times].sort((a, b) => a - b));
	});

	it("echoes the prompt as before when load mode is off", async () => {
		fake = await startFakeOpenAI({ models: [MODEL] });
		expect((await stream(fake.url, "two words", 16)).join("")).toBe("Echo: two words");
	});
});
