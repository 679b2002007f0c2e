import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { missingPlatforms } from "../../scripts/lockfile-platforms.js";

const lock = JSON.parse(readFileSync(new URL("../../package-lock.json", import.meta.url), "utf8"));

describe("the lockfile's platform packages", () => {
	it("lists workerd, Biome and esbuild for linux, darwin and win32", () => {
		expect(missingPlatforms(lock)).toEqual([]);
	});

	it("names each platform a lockfile written on Linux alone lacks", () => {
		const linuxOnly = {
			packages: {
				"node_modules/@cloudflare/workerd-linux-64": { os: ["linux"] },
				"node_modules/@biomejs/cli-linux-x64": { os: ["linux"] },
				"node_modules/@esbuild/linux-x64": { os: ["linux"] },
				"node_modules/@esbuild/darwin-arm64": { os: ["darwin"] },
				"node_modules/@esbuild/win32-x64": { os: ["win32"] },
			},
		};
		expect(missingPlatforms(linuxOnly)).toEqual([
			"@cloudflare/workerd-*: no darwin entry",
			"@cloudflare/workerd-*: no win32 entry",
			"@biomejs/cli-*: no darwin entry",
			"@biomejs/cli-*: no win32 entry",
		]);
	});

	it("counts platform packages nested under another package", () => {
		const nested = {
			packages: {
				"node_modules/wrangler/node_modules/@cloudflare/workerd-darwin-64": { os: ["darwin"] },
			},
		};
		expect(missingPlatforms(nested)).not.toContain("@cloudflare/workerd-*: no darwin entry");
	});
});
