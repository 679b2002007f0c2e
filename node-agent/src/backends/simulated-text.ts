/** The simulator's words: deterministic tokens for a prompt, and its way of counting prompt tokens. */
import { createHash } from "node:crypto";

const WORDS = (
	"the grid edge node zone carbon latency model token stream route wind solar hydro power " +
	"fast clean green light data answer query shard cache queue lease river mountain north south"
).split(" ");

/** Prompt tokens, as the simulator counts them: words. */
export function countWords(text: string): number {
	return text.split(/\s+/).filter((w) => w.length > 0).length;
}

/** The deterministic tokens for a prompt text: 9 to 49 of them, the last a full stop. */
export function tokensFor(model: string, text: string): string[] {
	const digest = createHash("sha256").update(`${model}\n${text}`).digest();
	const length = 8 + (digest.readUInt8(0) % 41);
	const tokens: string[] = [];
	for (let i = 0; i < length; i++) {
		const byte = digest.readUInt8((i + 1) % digest.length) ^ (i * 31);
		const word = WORDS[byte % WORDS.length] ?? "token";
		tokens.push(i === 0 ? word.charAt(0).toUpperCase() + word.slice(1) : ` ${word}`);
	}
	tokens.push(".");
	return tokens;
}
