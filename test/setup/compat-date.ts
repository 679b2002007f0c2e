/**
 * Design decision 4: wrangler.toml's compatibility_date must not be newer
 * than the bundled workerd supports. workerd's version is `1.YYYYMMDD.N`, and
 * the date in it is the newest it supports. Fail early with a clear message.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

export function newestSupportedDate(workerdVersion: string): string {
	const match = /^1\.(\d{4})(\d{2})(\d{2})\./.exec(workerdVersion);
	if (!match) throw new Error(`unrecognised workerd version ${JSON.stringify(workerdVersion)}`);
	return `${match[1]}-${match[2]}-${match[3]}`;
}

export function assertCompatibilityDate(wranglerToml = "wrangler.toml"): void {
	const toml = readFileSync(wranglerToml, "utf8");
	const configured = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(toml)?.[1];
	if (!configured) throw new Error(`${wranglerToml} has no compatibility_date`);
	const require = createRequire(import.meta.url);
	const workerdPkg = require.resolve("workerd/package.json", {
		paths: [require.resolve("wrangler/package.json")],
	});
	const { version } = JSON.parse(readFileSync(workerdPkg, "utf8")) as { version: string };
	const newest = newestSupportedDate(version);
	if (configured > newest) {
		throw new Error(
			`compatibility_date ${configured} in ${wranglerToml} is newer than the bundled workerd ${version} supports; the newest supported date is ${newest}. Lower compatibility_date or upgrade wrangler.`,
		);
	}
}
