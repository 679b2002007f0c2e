/**
 * Two test projects:
 * - `workerd`: unit and integration tests inside workerd (@cloudflare/vitest-plugin),
 *   with the real D1 migrations applied (test/setup/apply-migrations.ts);
 * - `node`: the agent's unit tests and the end-to-end tests that start the Worker
 *   locally with real agent processes on loopback.
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { ensureConsoleBuilt } from "./scripts/build-console.js";
import { assertCompatibilityDate } from "./test/setup/compat-date.js";

assertCompatibilityDate();

/** Test-only secrets: wrangler checks [secrets].required against the environment before the bindings below apply. */
const TEST_SECRETS = {
	ARCNET_DEV_API_KEY: "sk-test-dev-key-000000000000",
	ARCNET_ADMIN_KEY: "sk-test-admin-key-0000000000",
};
Object.assign(process.env, TEST_SECRETS);

export default defineConfig(async () => {
	// wrangler.toml's [assets] folder must exist before workerd or wrangler starts.
	await ensureConsoleBuilt();
	const migrations = await readD1Migrations("./migrations");
	return {
		test: {
			projects: [
				{
					plugins: [
						cloudflareTest({
							wrangler: { configPath: "./wrangler.toml" },
							miniflare: {
								bindings: {
									TEST_MIGRATIONS: migrations,
									...TEST_SECRETS,
								},
							},
						}),
					],
					test: {
						name: "workerd",
						include: ["test/workerd/**/*.test.ts"],
						setupFiles: ["./test/workerd/apply-migrations.ts"],
					},
				},
				{
					test: {
						name: "node",
						include: ["test/node/**/*.test.ts", "test/e2e/**/*.test.ts"],
						environment: "node",
						testTimeout: 60_000,
						hookTimeout: 120_000,
					},
				},
			],
		},
	};
});
