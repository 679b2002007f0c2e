/**
 * Debian's `prometheus` package (the `prometheus` server and `promtool`) for
 * the tests that use real Prometheus parts. When the binaries are missing and
 * this process is root, it is installed with apt-get once per run; when that
 * fails, the reason is returned so the test can say why it is skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";

/** Where the binaries are, or why they are not there. */
export type PrometheusTools = { ok: true; prometheus: string; promtool: string } | { ok: false; reason: string };

function which(binary: string): string | null {
	const found = spawnSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" });
	const path = found.stdout.trim();
	return found.status === 0 && path !== "" ? path : null;
}

let cached: PrometheusTools | undefined;

/** Finds prometheus and promtool, installing Debian's package when missing and possible. */
export function prometheusTools(): PrometheusTools {
	if (cached) return cached;
	cached = find() ?? install();
	return cached;
}

function find(): PrometheusTools | null {
	const prometheus = which("prometheus");
	const promtool = which("promtool");
	return prometheus && promtool ? { ok: true, prometheus, promtool } : null;
}

function install(): PrometheusTools {
	if (process.getuid?.() !== 0) {
		return {
			ok: false,
			reason: "prometheus/promtool are missing and installing them needs root (apt-get install prometheus)",
		};
	}
	try {
		const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
		execFileSync("apt-get", ["update"], { stdio: "ignore", env, timeout: 300_000 });
		execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "prometheus"], {
			stdio: "ignore",
			env,
			timeout: 600_000,
		});
	} catch (error) {
		return { ok: false, reason: `apt-get install prometheus failed: ${String(error)}` };
	}
	return find() ?? { ok: false, reason: "apt-get installed prometheus but the binaries are not on PATH" };
}

/** Runs promtool with arguments (and stdin), returning its exit status and output. */
export function promtool(tools: { promtool: string }, args: readonly string[], input?: string) {
	const run = spawnSync(tools.promtool, args, { encoding: "utf8", input, timeout: 60_000 });
	return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
