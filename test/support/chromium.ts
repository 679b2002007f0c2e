/**
 * Debian's chromium for the browser tests, driven by playwright-core. Nothing
 * here downloads a browser: where /usr/bin/chromium is missing it is
 * installed with apt-get (as root), and where that cannot be done the caller
 * skips, saying why.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Flags for a quiet, offline, sandbox-free headless chromium. */
const ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
];

/** Makes sure chromium is installed; returns null when it is, else why it is not. */
export function ensureChromium(): string | null {
	if (existsSync(CHROMIUM)) return null;
	if (process.getuid?.() !== 0) return `${CHROMIUM} is missing and installing it needs root (apt-get install chromium)`;
	try {
		execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 300_000 });
		execFileSync("apt-get", ["install", "-y", "chromium"], { stdio: "ignore", timeout: 600_000 });
	} catch (error) {
		return `installing chromium with apt-get failed: ${error instanceof Error ? error.message : String(error)}`;
	}
	return existsSync(CHROMIUM) ? null : `apt-get install chromium left no ${CHROMIUM}`;
}

/** Starts chromium with a fresh profile directory. */
export async function launchChromium(viewport: { width: number; height: number }): Promise<BrowserContext> {
	const profile = await mkdtemp(join(tmpdir(), "arcnet-chromium-"));
	return chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ARGS,
		viewport,
	});
}
