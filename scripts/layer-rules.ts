/**
 * The import rules between the Worker (src/), the Durable Objects
 * (durable-objects/), the agent (node-agent/) and the protocol and contract
 * layer they share (docs/adr/0015-one-way-layers.md). Pure: it judges one
 * import at a time, so the rules are unit-tested without a file tree.
 */

/** The protocol and contract layer: imported by every side, it imports none of them. */
export const NEUTRAL_FILES = ["src/protocol/", "src/db/schema.ts"] as const;

const ADR = "docs/adr/0015-one-way-layers.md";

function isNeutral(path: string): boolean {
	return NEUTRAL_FILES.some((prefix) => (prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix));
}

/** A Durable Object class file (`durable-objects/<name>-do.ts`) or an RPC contract (`durable-objects/**\/contract.ts`). */
function isObjectClassOrContract(path: string): boolean {
	return /^durable-objects\/[a-z0-9-]+-do\.ts$/.test(path) || /^durable-objects\/(.+\/)?contract\.ts$/.test(path);
}

/**
 * Why `from` may not import `to` (both repository-relative paths of source
 * files), or null when it may.
 * @example importViolation("durable-objects/x.ts", "src/http/errors.ts") // "durable-objects/x.ts imports src/http/errors.ts: ..."
 */
export function importViolation(from: string, to: string): string | null {
	const broken = (rule: string) => `${from} imports ${to}: ${rule} (${ADR})`;
	if (isNeutral(from)) {
		if (!isNeutral(to) && (to.startsWith("src/") || to.startsWith("durable-objects/") || to.startsWith("node-agent/")))
			return broken(`the protocol and contract layer (${NEUTRAL_FILES.join(", ")}) imports only itself`);
		return null;
	}
	if (from.startsWith("durable-objects/")) {
		if (to.startsWith("src/") && !isNeutral(to))
			return broken(
				`the Durable Objects import from src/ only the protocol and contract layer (${NEUTRAL_FILES.join(", ")})`,
			);
		if (to.startsWith("node-agent/")) return broken("the Durable Objects never import the agent");
		return null;
	}
	if (from.startsWith("src/")) {
		if (to.startsWith("node-agent/")) return broken("the Worker never imports the agent");
		if (!to.startsWith("durable-objects/")) return null;
		if (/^durable-objects\/(.+\/)?contract\.ts$/.test(to)) return null;
		if (from === "src/index.ts" && isObjectClassOrContract(to)) return null;
		return broken(
			"the Worker imports from durable-objects/ only the RPC contracts (**/contract.ts), and the classes in src/index.ts",
		);
	}
	if (from.startsWith("node-agent/")) {
		if ((to.startsWith("src/") && !to.startsWith("src/protocol/")) || to.startsWith("durable-objects/"))
			return broken("the agent imports from the edge only the wire protocol (src/protocol/)");
		return null;
	}
	return null;
}
