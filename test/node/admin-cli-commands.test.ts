import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, runAdminCli } from "../../scripts/admin-cli.js";
import { REPO_ROOT } from "../support/local-edge.js";

const ADMIN = "sk-cli-test-admin-0000";

/** One request the fake admin API received. */
interface Seen {
	method: string;
	url: string;
	authorization: string | undefined;
	body: unknown;
}

/** A fake admin API on 127.0.0.1: it records requests and answers like the edge (401 for a wrong key). */
let server: Server;
let baseUrl = "";
const seen: Seen[] = [];

beforeAll(async () => {
	server = createServer((req, res) => {
		let text = "";
		req.on("data", (chunk: Buffer) => {
			text += chunk.toString("utf8");
		});
		req.on("end", () => {
			seen.push({
				method: req.method ?? "",
				url: req.url ?? "",
				authorization: req.headers.authorization,
				body: text ? JSON.parse(text) : null,
			});
			res.setHeader("content-type", "application/json");
			if (req.headers.authorization !== `Bearer ${ADMIN}`) {
				res.statusCode = 401;
				res.end(
					JSON.stringify({
						error: {
							message: "Incorrect admin key provided.",
							type: "authentication_error",
							param: null,
							code: "invalid_api_key",
						},
					}),
				);
				return;
			}
			res.statusCode = req.method === "POST" && req.url === "/admin/v1/keys" ? 201 : 200;
			res.end(
				JSON.stringify(req.url === "/admin/v1/keys" ? { key: "ak_0123456789_secret", id: "key_x" } : { data: [] }),
			);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs the CLI in-process; returns its exit code and what it printed. */
async function run(
	argv: string[],
	env: Record<string, string> = { ARCNET_ADMIN_KEY: ADMIN, ARCNET_URL: baseUrl },
	cwd = tmpdir(),
) {
	const out: string[] = [];
	const err: string[] = [];
	const io: CliIo = { env, cwd, fetch, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
	const code = await runAdminCli(argv, io);
	return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("admin CLI", () => {
	it("creates a key with scopes, restrictions, limits and an expiry, and prints it with a shown-once note", async () => {
		const before = Date.now();
		const result = await run([
			"keys",
			"create",
			"--tenant",
			"tenant_acme",
			"--name",
			"ci",
			"--scopes",
			"inference,jobs",
			"--models",
			"m1, m2",
			"--regions",
			"eu",
			"--rate-limit",
			"60",
			"--max-concurrent",
			"2",
			"--daily-tokens",
			"100000",
			"--expires-in-days",
			"30",
		]);
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout)).toEqual({ key: "ak_0123456789_secret", id: "key_x" });
		expect(result.stderr).toMatch(/shown only this once/);
		const request = seen.at(-1);
		expect(request).toMatchObject({ method: "POST", url: "/admin/v1/keys", authorization: `Bearer ${ADMIN}` });
		const body = request?.body as Record<string, unknown>;
		expect(body).toMatchObject({
			tenantId: "tenant_acme",
			name: "ci",
			scopes: ["inference", "jobs"],
			allowedModels: ["m1", "m2"],
			allowedRegions: ["eu"],
			rateLimitPerMinute: 60,
			maxConcurrent: 2,
			dailyTokenQuota: 100000,
		});
		expect(body.expiresAt).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
	});

	it("lists and revokes keys, and creates, lists, disables and enables tenants", async () => {
		const calls: [string[], string, string, unknown][] = [
			[["keys", "list", "--tenant", "tenant_acme"], "GET", "/admin/v1/keys?tenantId=tenant_acme", null],
			[["keys", "revoke", "key_abc"], "POST", "/admin/v1/keys/key_abc/revoke", null],
			[
				["tenants", "create", "--name", "Acme", "--id", "tenant_acme", "--policy", "carbon", "--max-concurrent", "8"],
				"POST",
				"/admin/v1/tenants",
				{ name: "Acme", id: "tenant_acme", defaultPolicy: "carbon", maxConcurrent: 8 },
			],
			[["tenants", "list"], "GET", "/admin/v1/tenants", null],
			[["tenants", "disable", "tenant_acme"], "PATCH", "/admin/v1/tenants/tenant_acme", { disabled: true }],
			[["tenants", "enable", "tenant_acme"], "PATCH", "/admin/v1/tenants/tenant_acme", { disabled: false }],
		];
		for (const [argv, method, url, body] of calls) {
			expect((await run(argv)).code).toBe(0);
			expect(seen.at(-1)).toMatchObject({ method, url, body });
		}
	});

	it("reads the admin key from .dev.vars when the environment has none", async () => {
		const dir = await mkdtemp(join(tmpdir(), "arcnet-cli-"));
		try {
			await writeFile(join(dir, ".dev.vars"), `# generated\nARCNET_DEV_API_KEY=x\nARCNET_ADMIN_KEY="${ADMIN}"\n`);
			const result = await run(["tenants", "list", "--url", baseUrl], {}, dir);
			expect(result.code).toBe(0);
			expect(seen.at(-1)?.authorization).toBe(`Bearer ${ADMIN}`);
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});

	it("exits 1 with the API's message when the API refuses", async () => {
		const result = await run(["tenants", "list"], { ARCNET_ADMIN_KEY: "sk-wrong-admin", ARCNET_URL: baseUrl });
		expect(result.code).toBe(1);
		expect(result.stderr).toBe("error 401: Incorrect admin key provided.");
	});

	it("exits 2 naming the flag, the value and the range for bad usage, without calling the API", async () => {
		const count = seen.length;
		const bad = await run([
			"keys",
			"create",
			"--tenant",
			"t",
			"--name",
			"n",
			"--scopes",
			"inference",
			"--rate-limit",
			"lots",
		]);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('--rate-limit: expected an integer from 1 to 1000000, got "lots"');
		expect((await run(["keys", "create", "--name", "n", "--scopes", "inference"])).stderr).toContain(
			"--tenant is required",
		);
		expect((await run(["keys", "rotate"])).stderr).toContain("unknown command: keys rotate");
		expect((await run(["tenants", "list"], { ARCNET_URL: baseUrl }, tmpdir())).stderr).toMatch(/^no admin key/);
		expect((await run(["tenants", "list", "--url", "ftp://x"])).code).toBe(2);
		expect(seen.length).toBe(count);
	});

	it("runs as `npm run admin` does: tsx scripts/arcnet-admin.ts", async () => {
		const tsx = join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
		const { stdout } = await promisify(execFile)(
			process.execPath,
			[tsx, join(REPO_ROOT, "scripts", "arcnet-admin.ts"), "tenants", "list"],
			{
				env: { ...process.env, ARCNET_ADMIN_KEY: ADMIN, ARCNET_URL: baseUrl },
				timeout: 30_000,
			},
		);
		expect(JSON.parse(stdout)).toEqual({ data: [] });
		expect(seen.at(-1)).toMatchObject({ method: "GET", url: "/admin/v1/tenants" });
	});
});
