/**
 * The operator CLI behind `npm run admin`: creates, lists and revokes client
 * API keys, creates, lists, disables and enables tenants, by calling the
 * admin API. It reads ARCNET_ADMIN_KEY from the environment, else from
 * `.dev.vars` in the working directory, and ARCNET_URL (default
 * http://127.0.0.1:8787) or `--url`. Everything it prints on stdout is the
 * API's JSON; notes go to stderr. Exit codes: 0 ok, 1 the API refused, 2 usage.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";

/** Default edge URL: the `npm run dev` Worker. */
export const DEFAULT_URL = "http://127.0.0.1:8787";

/** What the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
	env: Record<string, string | undefined>;
	cwd: string;
	fetch: typeof fetch;
	stdout: (text: string) => void;
	stderr: (text: string) => void;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

export const USAGE = `usage: npm run admin -- <command> [flags]
  keys create --tenant <id> --name <name> --scopes inference,jobs,admin
              [--models m1,m2] [--regions eu,de] [--rate-limit N] [--max-concurrent N]
              [--daily-tokens N] [--expires-in-days N]
  keys list [--tenant <id>]
  keys revoke <key id>
  tenants create --name <name> [--id <id>] [--policy <policy>] [--rate-limit N] [--max-concurrent N] [--daily-tokens N]
  tenants list
  tenants disable <tenant id>
  tenants enable <tenant id>
global: --url <edge url> (default $ARCNET_URL or ${DEFAULT_URL}); the admin key comes from $ARCNET_ADMIN_KEY or .dev.vars`;

const FLAGS = {
	url: { type: "string" },
	tenant: { type: "string" },
	name: { type: "string" },
	scopes: { type: "string" },
	models: { type: "string" },
	regions: { type: "string" },
	"rate-limit": { type: "string" },
	"max-concurrent": { type: "string" },
	"daily-tokens": { type: "string" },
	"expires-in-days": { type: "string" },
	id: { type: "string" },
	policy: { type: "string" },
} as const;
type Flags = ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true }>>["values"];

/** A comma-separated flag as a list (empty items dropped). */
function list(value: string | undefined): string[] | undefined {
	return value
		?.split(",")
		.map((s) => s.trim())
		.filter((s) => s.length > 0);
}

/** An integer flag from `min` to `max`, or a UsageError naming flag, value and range. */
function int(flag: keyof Flags, value: string | undefined, min: number, max: number): number | undefined {
	if (value === undefined) return undefined;
	const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
	if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
	throw new UsageError(`--${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
}

function required(flag: keyof Flags, value: string | undefined): string {
	if (value === undefined || value.trim() === "") throw new UsageError(`--${flag} is required`);
	return value;
}

function limits(flags: Flags) {
	const out: Record<string, number> = {};
	const rate = int("rate-limit", flags["rate-limit"], 1, 1_000_000);
	const concurrent = int("max-concurrent", flags["max-concurrent"], 1, 10_000);
	const daily = int("daily-tokens", flags["daily-tokens"], 1, 1_000_000_000_000);
	if (rate !== undefined) out.rateLimitPerMinute = rate;
	if (concurrent !== undefined) out.maxConcurrent = concurrent;
	if (daily !== undefined) out.dailyTokenQuota = daily;
	return out;
}

/** The admin key: $ARCNET_ADMIN_KEY, else ARCNET_ADMIN_KEY in `<cwd>/.dev.vars`. */
export function adminKey(io: Pick<CliIo, "env" | "cwd">): string {
	const fromEnv = io.env.ARCNET_ADMIN_KEY?.trim();
	if (fromEnv) return fromEnv;
	const path = join(io.cwd, ".dev.vars");
	if (existsSync(path)) {
		for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
			const match = /^\s*ARCNET_ADMIN_KEY\s*=\s*(["']?)(.*)\1\s*$/.exec(line);
			if (match?.[2]) return match[2];
		}
	}
	throw new UsageError(`no admin key: set ARCNET_ADMIN_KEY, or run from a directory whose .dev.vars has it (${path})`);
}

const urlSchema = z.url({ protocol: /^https?$/ });

/** One admin API call: method, path and optional body. */
interface ApiCall {
	method: "GET" | "POST" | "PATCH";
	path: string;
	body?: Record<string, unknown>;
	note?: string;
}

/** Turns the command line into the admin API call it stands for. */
export function planCall(positionals: readonly string[], flags: Flags, now = Date.now()): ApiCall {
	const [group, action, target, ...extra] = positionals;
	if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
	const command = `${group ?? ""} ${action ?? ""}`.trim();
	const needTarget = (what: string) => {
		if (!target) throw new UsageError(`${command}: give the ${what}`);
		return encodeURIComponent(target);
	};
	switch (command) {
		case "keys create": {
			const days = int("expires-in-days", flags["expires-in-days"], 1, 3650);
			const models = list(flags.models);
			const regions = list(flags.regions);
			return {
				method: "POST",
				path: "/admin/v1/keys",
				body: {
					tenantId: required("tenant", flags.tenant),
					name: required("name", flags.name),
					scopes: list(required("scopes", flags.scopes)),
					...(models ? { allowedModels: models } : {}),
					...(regions ? { allowedRegions: regions } : {}),
					...limits(flags),
					...(days !== undefined ? { expiresAt: now + days * 86_400_000 } : {}),
				},
				note: "Store the key now: it is shown only this once (D1 keeps its SHA-256).",
			};
		}
		case "keys list":
			return {
				method: "GET",
				path: `/admin/v1/keys${flags.tenant ? `?tenantId=${encodeURIComponent(flags.tenant)}` : ""}`,
			};
		case "keys revoke":
			return { method: "POST", path: `/admin/v1/keys/${needTarget("key id")}/revoke` };
		case "tenants create":
			return {
				method: "POST",
				path: "/admin/v1/tenants",
				body: {
					name: required("name", flags.name),
					...(flags.id ? { id: flags.id } : {}),
					...(flags.policy ? { defaultPolicy: flags.policy } : {}),
					...limits(flags),
				},
			};
		case "tenants list":
			return { method: "GET", path: "/admin/v1/tenants" };
		case "tenants disable":
		case "tenants enable":
			return {
				method: "PATCH",
				path: `/admin/v1/tenants/${needTarget("tenant id")}`,
				body: { disabled: action === "disable" },
			};
		default:
			throw new UsageError(command ? `unknown command: ${command}` : "no command given");
	}
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runAdminCli(argv: readonly string[], io: CliIo): Promise<number> {
	if (argv[0] === "help" || argv.length === 0) {
		io.stdout(USAGE);
		return argv.length === 0 ? 2 : 0;
	}
	let call: ApiCall;
	let base: string;
	let key: string;
	try {
		const { values, positionals } = parseArgs({
			args: [...argv],
			options: FLAGS,
			allowPositionals: true,
			strict: true,
		});
		call = planCall(positionals, values);
		base = (values.url ?? io.env.ARCNET_URL ?? DEFAULT_URL).replace(/\/+$/, "");
		if (!urlSchema.safeParse(base).success) {
			throw new UsageError(`--url / ARCNET_URL: expected an http(s) URL, got ${JSON.stringify(base)}`);
		}
		key = adminKey(io);
	} catch (err) {
		io.stderr(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
		return 2;
	}
	let res: Response;
	try {
		res = await io.fetch(`${base}${call.path}`, {
			method: call.method,
			headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
			...(call.body ? { body: JSON.stringify(call.body) } : {}),
		});
	} catch (err) {
		io.stderr(
			`cannot reach ${base}: ${err instanceof Error ? err.message : String(err)} (is \`npm run dev\` running?)`,
		);
		return 1;
	}
	const text = await res.text();
	if (!res.ok) {
		let message = text;
		try {
			message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
		} catch {
			// Not JSON: print the body as it came.
		}
		io.stderr(`error ${res.status}: ${message}`);
		return 1;
	}
	try {
		io.stdout(JSON.stringify(JSON.parse(text), null, 2));
	} catch {
		io.stdout(text);
	}
	if (call.note) io.stderr(call.note);
	return 0;
}
