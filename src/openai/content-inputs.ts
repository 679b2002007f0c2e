/**
 * Content parts beyond text (`image_url`, `input_audio`) go only to nodes
 * that advertise them: the router gets them as a constraint, and a request
 * whose model no live node takes them for is refused with a 400 naming the
 * first such part, rather than routed to a node that would drop or fail it.
 */
import { InvalidRequestError } from "../http/errors.js";
import { INPUT_MODALITIES, type InputModality } from "../protocol/model-serving.js";
import { servingOf } from "../routing/model-details.js";
import type { Directory } from "../routing/zone-directory.js";

/** One extra modality a request uses, and where it first appears (`messages[i].content[j]`). */
export interface ContentInput {
	modality: InputModality;
	path: string;
}

function isModality(type: unknown): type is InputModality {
	return INPUT_MODALITIES.some((m) => m === type);
}

/** The modalities beyond text that `messages` use, each with its first content part, in order of appearance. */
export function contentInputs(messages: readonly { content?: unknown }[]): ContentInput[] {
	const found = new Map<InputModality, string>();
	messages.forEach((message, i) => {
		if (!Array.isArray(message.content)) return;
		message.content.forEach((part: unknown, j) => {
			const type = typeof part === "object" && part !== null && "type" in part ? part.type : undefined;
			if (isModality(type) && !found.has(type)) found.set(type, `messages[${i}].content[${j}]`);
		});
	});
	return [...found].map(([modality, path]) => ({ modality, path }));
}

/**
 * Throws a 400 naming the first content part whose modality no live node
 * serving `model` takes. A model no live node serves at all is left to the
 * router (it answers that case for every request).
 */
export function refuseUnservedInputs(directory: Directory, model: string, inputs: readonly ContentInput[]): void {
	const servings = directory.zones
		.filter((zone) => zone.liveNodes > 0)
		.map((zone) => servingOf(zone, model))
		.filter((s) => s !== null);
	if (servings.length === 0) return;
	for (const { modality, path } of inputs) {
		if (servings.some((s) => s.inputs?.includes(modality))) continue;
		const taken = [...new Set(servings.flatMap((s) => s.inputs ?? []))];
		throw new InvalidRequestError(
			`${path}: content part type "${modality}" is not served for model "${model}" by any node; ` +
				`it takes ${taken.length > 0 ? `text and ${taken.map((t) => `"${t}"`).join(", ")}` : "text only"}`,
			path,
			"unsupported_content_part",
		);
	}
}
