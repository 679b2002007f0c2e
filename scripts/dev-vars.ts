/**
 * The local secrets of `npm run dev`: .dev.vars, created on first start with
 * freshly generated keys and reused afterwards, so the dev API key a developer
 * pasted into a client keeps working across restarts.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const devVarsSchema = z.object({
	ARCNET_DEV_API_KEY: z.string().min(8, "a key of at least 8 characters"),
	ARCNET_ADMIN_KEY: z.string().min(8, "a key of at least 8 characters"),
});
export type DevVars = z.infer<typeof devVarsSchema>;

function parseDotenv(text: string): Record<string, string> {
	const out: Record<string, string> = {};
	for (const raw of text.split(/\r?\n/)) {
		const line = raw.trim();
		if (line === "" || line.startsWith("#")) continue;
		const eq = line.indexOf("=");
		if (eq < 0) continue;
		out[line.slice(0, eq).trim()] = line
			.slice(eq + 1)
			.trim()
			.replace(/^(["'])(.*)\1$/, "$2");
	}
	return out;
}

/** Reads `<root>/.dev.vars`, creating it with generated keys when it does not exist. */
export function ensureDevVars(root: string): { vars: DevVars; created: boolean; path: string } {
	const path = join(root, ".dev.vars");
	if (!existsSync(path)) {
		const vars: DevVars = {
			ARCNET_DEV_API_KEY: `sk-arcnet-dev-${randomBytes(16).toString("hex")}`,
			ARCNET_ADMIN_KEY: `sk-arcnet-admin-${randomBytes(16).toString("hex")}`,
		};
		const text = [
			"# Local secrets for `npm run dev` / `wrangler dev`. Generated; never commit (.gitignore lists it).",
			`ARCNET_DEV_API_KEY=${vars.ARCNET_DEV_API_KEY}`,
			`ARCNET_ADMIN_KEY=${vars.ARCNET_ADMIN_KEY}`,
			"",
		].join("\n");
		writeFileSync(path, text, { mode: 0o600 });
		return { vars, created: true, path };
	}
	const parsed = devVarsSchema.safeParse(parseDotenv(readFileSync(path, "utf8")));
	if (!parsed.success) {
		const issues = parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ");
		throw new Error(`${path}: ${issues}. Fix it, or delete it to have a new one generated.`);
	}
	return { vars: parsed.data, created: false, path };
}
