/**
 * The chaos test's jobs: a seeded, reproducible list of requests whose answers
 * are known in advance. Every prompt starts with a unique tag (`chaos-17`),
 * so a row in a zone's SQLite can be traced back to the client request that
 * caused it, and every answer is the fake backend's echo of the prompt, so a
 * client's text can be compared word for word with what it should be.
 */
import { type ExpectedCompletion, expectedCompletion } from "../../support/fake-openai-server.js";

/** How the client asks: one JSON answer, SSE, or POST /v1/jobs and polling. */
export type JobKind = "sync" | "stream" | "async";

/** One planned client request. */
export interface PlannedJob {
	index: number;
	kind: JobKind;
	model: string;
	/** Unique per job: the first word of the prompt. */
	tag: string;
	messages: { role: "user"; content: string }[];
	expected: ExpectedCompletion;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same run plan. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Share of each kind; async is left out (its share goes to the others) when the edge has no /v1/jobs. */
export const KIND_SHARES: Readonly<Record<JobKind, number>> = { sync: 0.4, stream: 0.35, async: 0.25 };

/** The tag of job `index`; tagOf(i) is the first word of its prompt. */
export function tagOf(index: number): string {
	return `chaos-${index}`;
}

/** Reads the tag back from a prompt (the first word), or undefined when it is not a chaos prompt. */
export function tagFromPrompt(prompt: string): string | undefined {
	const first = prompt.trimStart().split(/\s+/, 1)[0] ?? "";
	return /^chaos-\d+$/.test(first) ? first : undefined;
}

/**
 * `count` jobs (1..100,000) with kinds drawn by `random` and 6 to 13 words each
 * (so 8 to 15 output tokens, one delta per token at the backend).
 */
export function planJobs(count: number, model: string, random: () => number, withAsync: boolean): PlannedJob[] {
	if (!Number.isInteger(count) || count < 1 || count > 100_000)
		throw new Error(`count: expected an integer from 1 to 100000, got ${String(count)} (${typeof count})`);
	const syncShare = withAsync ? KIND_SHARES.sync : KIND_SHARES.sync / (KIND_SHARES.sync + KIND_SHARES.stream);
	const streamShare = withAsync ? KIND_SHARES.stream : 1 - syncShare;
	return Array.from({ length: count }, (_, index) => {
		const r = random();
		const kind: JobKind = r < syncShare ? "sync" : r < syncShare + streamShare ? "stream" : "async";
		const tag = tagOf(index);
		const words = Array.from({ length: 6 + Math.floor(random() * 8) }, (_, w) => `w${index}.${w}`);
		const messages = [{ role: "user" as const, content: [tag, ...words].join(" ") }];
		return { index, kind, model, tag, messages, expected: expectedCompletion(messages) };
	});
}
