/**
 * Which platforms' native binaries a package-lock.json lists. npm installs an
 * optional platform package only if the lockfile names it, so a lockfile
 * written on Linux alone leaves a Mac or Windows clone without workerd.
 * Pure, so check-lockfile.ts and its test share it.
 */

/** Packages shipped as one native package per platform, by the prefix of those packages' names. */
export const NATIVE_PACKAGES = ["@cloudflare/workerd-", "@biomejs/cli-", "@esbuild/"] as const;

/** The platforms every native package must cover. */
export const REQUIRED_PLATFORMS = ["linux", "darwin", "win32"] as const;

interface LockEntry {
	os?: string[];
}

/** Lines such as `@cloudflare/workerd-*: no darwin entry`, one per missing pair; empty when all are there. */
export function missingPlatforms(lock: { packages?: Record<string, LockEntry> }): string[] {
	const entries = Object.entries(lock.packages ?? {});
	const missing: string[] = [];
	for (const prefix of NATIVE_PACKAGES) {
		const covered = new Set(
			entries
				.filter(([path]) => path.split("node_modules/").at(-1)?.startsWith(prefix))
				.flatMap(([, entry]) => entry.os ?? []),
		);
		for (const platform of REQUIRED_PLATFORMS) {
			if (!covered.has(platform)) missing.push(`${prefix}*: no ${platform} entry`);
		}
	}
	return missing;
}
