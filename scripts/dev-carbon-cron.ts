/**
 * The carbon Cron Trigger for `npm run dev`. `wrangler dev` never fires Cron
 * Triggers by itself, so without this the local carbon_signals table stays
 * empty and routing runs on the catalogue's yearly defaults. wrangler 4 always
 * exposes Miniflare's trigger endpoint `/cdn-cgi/handler/scheduled` on the dev
 * server (no `--test-scheduled` needed; that flag only adds the older
 * `/__scheduled` path), so we call it once at start and then on the cron's
 * own period.
 */

/** The cron of wrangler.toml's [triggers]; the Worker's scheduled handler ignores the value, but logs it. */
export const DEV_CARBON_CRON = "*/5 * * * *";
/** How often the refresh is fired while `npm run dev` runs: 5 minutes, like the deployed cron. */
export const DEV_CARBON_PERIOD_MS = 5 * 60_000;
/** Longest one trigger call may take before it is reported as failed (ms). */
const TRIGGER_TIMEOUT_MS = 70_000;

/** Fires the Worker's scheduled handler at `baseUrl` once; resolves to a one-line outcome, never rejects. */
export async function triggerCarbonRefresh(baseUrl: string): Promise<string> {
	const url = `${baseUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(DEV_CARBON_CRON)}`;
	try {
		const res = await fetch(url, { signal: AbortSignal.timeout(TRIGGER_TIMEOUT_MS) });
		const text = (await res.text()).trim();
		if (!res.ok) return `carbon refresh trigger failed: HTTP ${res.status} ${text.slice(0, 200)}`;
		return `carbon refresh triggered (cron "${DEV_CARBON_CRON}", next in ${DEV_CARBON_PERIOD_MS / 60_000} min)`;
	} catch (err) {
		return `carbon refresh trigger failed: ${err instanceof Error ? err.message : String(err)}`;
	}
}

/** Fires one refresh now and then every DEV_CARBON_PERIOD_MS, printing one line each; returns a stop function. */
export function startCarbonCron(baseUrl: string, print: (line: string) => void): () => void {
	let stopped = false;
	const fire = (): void => {
		void triggerCarbonRefresh(baseUrl).then((line) => {
			if (!stopped) print(line);
		});
	};
	fire();
	const timer = setInterval(fire, DEV_CARBON_PERIOD_MS);
	// The dev script exits through its signal handlers; the timer must not hold it open on its own.
	timer.unref();
	return () => {
		stopped = true;
		clearInterval(timer);
	};
}
