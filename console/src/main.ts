/**
 * The console's entry: sign-in, the view switcher (hash routes, so Back works
 * and each view has a URL), and one polling loop. The loop is a single
 * setTimeout chain, paused while the tab is hidden; each view replaces its
 * DOM, and lists are capped, so a console left open stays the same size.
 */
import { AdminView } from "./admin.js";
import { ApiFailure, get, resume, signIn, signOut } from "./api.js";
import { h, replace } from "./dom.js";
import type { Carbon, ConsoleEvent, Fleet, Job } from "./types.js";
import { CarbonView, EventsView, JobsView, MapView, NodesView } from "./views.js";

/** Refresh interval: 2 s, or `?poll_ms=` (200 to 60,000) to watch a long session in less time. */
const POLL_MS = (() => {
	const asked = Number(new URLSearchParams(location.search).get("poll_ms"));
	return Number.isInteger(asked) && asked >= 200 && asked <= 60_000 ? asked : 2_000;
})();
const VIEWS = ["map", "nodes", "jobs", "carbon", "events", "admin"] as const;
type ViewName = (typeof VIEWS)[number];
const TITLES: Record<ViewName, string> = {
	map: "Map",
	nodes: "Zones and nodes",
	jobs: "Jobs",
	carbon: "Carbon",
	events: "Events",
	admin: "Admin",
};

const root = document.getElementById("app") as HTMLElement;

function showSignIn(message = ""): void {
	const input = h("input", {
		id: "admin-key",
		name: "adminKey",
		type: "password",
		autocomplete: "off",
		required: true,
	});
	const error = h("p", { class: "error", role: "alert" }, message);
	const form = h(
		"form",
		{
			class: "signin",
			onsubmit: async (e: Event) => {
				e.preventDefault();
				const key = (input as HTMLInputElement).value;
				(input as HTMLInputElement).value = "";
				try {
					await signIn(key);
					start();
				} catch (err) {
					error.textContent = err instanceof Error ? err.message : String(err);
				}
			},
		},
		h("h1", {}, "ArcNet console"),
		h("label", { for: "admin-key" }, "Admin key"),
		input,
		h("button", { type: "submit" }, "Sign in"),
		error,
	);
	replace(root, h("main", {}, form));
	input.focus();
}

function start(): void {
	const map = new MapView();
	const nodes = new NodesView();
	const events = new EventsView();
	const admin = new AdminView();
	let jobsCache: Job[] = [];
	const jobs = new JobsView(
		() => void tick(),
		(id) => get<Job>(`/jobs/${encodeURIComponent(id)}`),
	);
	const carbon = new CarbonView();
	const sections: Record<ViewName, HTMLElement> = {
		map: map.element,
		nodes: nodes.element,
		jobs: jobs.element,
		carbon: carbon.element,
		events: events.element,
		admin: admin.element,
	};
	const status = h("p", { class: "live", role: "status" }, "Loading…");
	const nav = h(
		"nav",
		{ "aria-label": "Views" },
		h("ul", {}, ...VIEWS.map((v) => h("li", {}, h("a", { href: `#/${v}`, "data-view": v }, TITLES[v])))),
	);
	const main = h("main", { id: "main" }, ...VIEWS.map((v) => sections[v]));
	const header = h(
		"header",
		{},
		h("h1", {}, "ArcNet console"),
		nav,
		status,
		h(
			"button",
			{
				type: "button",
				class: "signout",
				onclick: async () => {
					await signOut();
					location.reload();
				},
			},
			"Sign out",
		),
	);
	replace(root, h("a", { href: "#main", class: "skip" }, "Skip to content"), header, main);

	const current = (): ViewName => {
		const name = location.hash.replace(/^#\//, "");
		return (VIEWS as readonly string[]).includes(name) ? (name as ViewName) : "map";
	};
	const show = () => {
		const view = current();
		for (const v of VIEWS) sections[v].hidden = v !== view;
		for (const a of nav.querySelectorAll("a")) a.toggleAttribute("aria-current", a.dataset.view === view);
		if (view === "admin") void admin.refresh().catch(() => undefined);
	};
	// Dropped when the session ends, so a sign-in after it starts from a clean page.
	const listeners = new AbortController();
	window.addEventListener("hashchange", show, { signal: listeners.signal });
	show();

	let timer: number | undefined;
	let stopped = false;
	let ticks = 0;
	async function tick(): Promise<void> {
		window.clearTimeout(timer);
		try {
			const q = new URLSearchParams(Object.entries(jobs.filters).filter(([, v]) => v !== ""));
			const [fleet, list, fresh, carbonData] = await Promise.all([
				get<Fleet>("/fleet"),
				get<{ data: Job[] }>(`/jobs?${q}`),
				get<{ data: ConsoleEvent[] }>(`/events?after=${events.lastId}`),
				get<Carbon>("/carbon"),
			]);
			jobsCache = list.data;
			map.update(fleet, jobsCache);
			nodes.update(fleet);
			jobs.update(jobsCache);
			events.add(fresh.data);
			carbon.update(carbonData);
			admin.setFleet(fleet);
			ticks += 1;
			status.dataset.ticks = String(ticks);
			status.textContent = `Live: updated ${new Date(fleet.at).toISOString().slice(11, 19)} UTC`;
		} catch (err) {
			if (err instanceof ApiFailure && err.status === 401) {
				stopped = true;
				listeners.abort();
				showSignIn("Your session ended: sign in again.");
				return;
			}
			status.textContent = `Update failed: ${err instanceof Error ? err.message : String(err)}`;
		}
		if (!stopped && !document.hidden) timer = window.setTimeout(() => void tick(), POLL_MS);
	}
	document.addEventListener(
		"visibilitychange",
		() => {
			if (!document.hidden && !stopped) void tick();
		},
		{ signal: listeners.signal },
	);
	void tick();
}

void resume().then((ok) => (ok ? start() : showSignIn()));
