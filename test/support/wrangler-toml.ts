/**
 * The parts of wrangler.toml a harness needs to run the Worker without
 * wrangler (Miniflare directly): compatibility date and flags, [vars], D1 and
 * Durable Object bindings. wrangler.toml stays the one source of truth; this
 * reads only the flat `key = "string"` / `key = ["strings"]` forms it uses, and
 * fails naming the key when a needed one is missing or shaped otherwise.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

/** One table of the file: `[name]` or one entry of `[[name]]`, with its string (or string-list) values. */
interface TomlTable {
	name: string;
	values: Record<string, string | string[]>;
}

const stringValue = /^"((?:[^"\\]|\\.)*)"$/;

function parseValue(raw: string): string | string[] | undefined {
	const single = stringValue.exec(raw);
	if (single) return JSON.parse(`"${single[1]}"`) as string;
	if (raw.startsWith("[") && raw.endsWith("]")) {
		const inner = raw.slice(1, -1).trim();
		if (inner === "") return [];
		const parts = inner.split(",").map((p) => p.trim());
		const strings = parts.filter((p) => p !== "").map((p) => stringValue.exec(p)?.[1]);
		if (strings.every((s): s is string => s !== undefined)) return strings.map((s) => JSON.parse(`"${s}"`) as string);
	}
	// Numbers, booleans and inline tables are not needed by any caller.
	return undefined;
}

/** Splits TOML text into its tables; top-level keys land in a table named "". */
export function parseTomlTables(text: string): TomlTable[] {
	const tables: TomlTable[] = [{ name: "", values: {} }];
	for (const rawLine of text.split("\n")) {
		const line = rawLine.replace(/\s+#.*$/, "").trim();
		if (line === "" || line.startsWith("#")) continue;
		const header = /^\[\[?([A-Za-z0-9_.-]+)\]\]?$/.exec(line);
		if (header?.[1]) {
			tables.push({ name: header[1], values: {} });
			continue;
		}
		const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(line);
		const value = kv?.[2] !== undefined ? parseValue(kv[2].trim()) : undefined;
		const current = tables[tables.length - 1];
		if (kv?.[1] && value !== undefined && current) current.values[kv[1]] = value;
	}
	return tables;
}

const configSchema = z.object({
	compatibilityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
	compatibilityFlags: z.array(z.string()),
	vars: z.record(z.string(), z.string()),
	d1: z.array(z.object({ binding: z.string().min(1), database_id: z.string().min(1) })).min(1),
	durableObjects: z.array(z.object({ name: z.string().min(1), class_name: z.string().min(1) })).min(1),
	r2: z.array(z.object({ binding: z.string().min(1), bucket_name: z.string().min(1) })),
});
/** What a Miniflare harness needs from wrangler.toml. */
export type WranglerConfig = z.infer<typeof configSchema>;

/** Reads `path` (a wrangler.toml); throws naming the key that is missing or malformed. */
export function readWranglerConfig(path: string): WranglerConfig {
	const tables = parseTomlTables(readFileSync(path, "utf8"));
	const top = tables[0]?.values ?? {};
	const all = (name: string) => tables.filter((t) => t.name === name).map((t) => t.values);
	const parsed = configSchema.safeParse({
		compatibilityDate: top.compatibility_date,
		compatibilityFlags: top.compatibility_flags ?? [],
		vars: Object.assign({}, ...all("vars")),
		d1: all("d1_databases"),
		durableObjects: all("durable_objects.bindings"),
		r2: all("r2_buckets"),
	});
	if (!parsed.success) {
		const issue = parsed.error.issues[0];
		throw new Error(
			`${path}: ${issue?.path.join(".") ?? "?"} is not usable (${issue?.message ?? "invalid"}); expected compatibility_date = "YYYY-MM-DD", string [vars], [[d1_databases]] with binding and database_id, [[durable_objects.bindings]] with name and class_name`,
		);
	}
	return parsed.data;
}
