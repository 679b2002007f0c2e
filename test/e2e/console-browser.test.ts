/**
 * The operations console in a real browser: Debian's chromium driven by
 * playwright-core against the Worker under `wrangler dev` with three real
 * agents in three zones on three continents. Signs in, sees the zones and
 * the nodes, sees a job sent through the API appear with its zone and
 * explanation, revokes a key, and is refused with a wrong key or without the
 * CSRF token. axe-core checks each view; screenshots of each view at
 * 1280×800 and 390×844 are written to test-artifacts/console/.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildConsole } from "../../scripts/build-console.js";
import { spawnAgent } from "../support/agent-process.js";
import { ensureChromium, launchChromium } from "../support/chromium.js";
import { postChatCompletion, waitForModel } from "../support/edge-client.js";
import { type LocalEdge, REPO_ROOT, startLocalEdge } from "../support/local-edge.js";
import type { ManagedProcess } from "../support/managed-process.js";

const MODEL = "llama-3.1-8b-instruct";
const ZONES = ["eu-stockholm", "us-oregon", "ap-tokyo"] as const;
const VIEWS = ["map", "nodes", "jobs", "carbon", "events", "admin"] as const;
const SIZES = [
	{ name: "desktop", width: 1280, height: 800 },
	{ name: "phone", width: 390, height: 844 },
] as const;
const ARTIFACTS = join(REPO_ROOT, "test-artifacts", "console");

const missing = ensureChromium();
if (missing) console.warn(`console browser tests skipped: ${missing}`);

let workDir = "";
let edge: LocalEdge | undefined;
let browser: BrowserContext | undefined;
const agents: ManagedProcess[] = [];
/** Script errors and Content-Security-Policy refusals seen by any page. */
const pageProblems: string[] = [];

function harness(): { edge: LocalEdge; browser: BrowserContext } {
	if (!edge || !browser) throw new Error("harness did not start (see beforeAll error)");
	return { edge, browser };
}

async function signIn(page: Page, key: string): Promise<void> {
	// Each test starts signed out: the profile is shared, its cookies are not.
	await page.context().clearCookies();
	await page.goto(`${harness().edge.url}/console`);
	await page.getByLabel("Admin key").fill(key);
	await page.getByRole("button", { name: "Sign in" }).click();
}

async function signedInPage(): Promise<Page> {
	const { edge, browser } = harness();
	const page = await browser.newPage();
	page.on("dialog", (dialog) => void dialog.accept());
	page.on("pageerror", (error) => pageProblems.push(`page error: ${error.message}`));
	page.on("console", (message) => {
		if (/Content Security Policy/i.test(message.text())) pageProblems.push(`CSP: ${message.text()}`);
	});
	await signIn(page, edge.adminKey);
	await page.getByRole("navigation", { name: "Views" }).waitFor();
	return page;
}

async function adminApi(path: string, body?: unknown): Promise<Response> {
	const { edge } = harness();
	return fetch(`${edge.url}/admin/v1${path}`, {
		method: body === undefined ? "GET" : "POST",
		headers: { authorization: `Bearer ${edge.adminKey}`, "content-type": "application/json" },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
}

describe.skipIf(missing !== null)("operations console in chromium", () => {
	beforeAll(async () => {
		workDir = await mkdtemp(join(tmpdir(), "arcnet-console-"));
		const size = await buildConsole();
		console.log(`console first load: ${size.raw} B raw, ${size.gzip} B gzip`);
		edge = await startLocalEdge({ persistDir: join(workDir, "state") });
		for (const zoneId of ZONES) {
			agents.push(
				await spawnAgent(edge, {
					name: `console-${zoneId}`,
					zoneId,
					stateDir: join(workDir, "agents", zoneId),
					backend: { kind: "simulated", models: [MODEL], tokensPerSecond: 400 },
					slots: 2,
					telemetryIntervalMs: 1_000,
				}),
			);
		}
		await waitForModel(edge, MODEL, 45_000);
		browser = await launchChromium({ width: 1280, height: 800 });
		await mkdir(ARTIFACTS, { recursive: true });
	});

	beforeEach(({ onTestFailed }) => {
		onTestFailed(() => console.error(edge?.logs().slice(-40).join("\n")));
	});

	afterAll(async () => {
		await browser?.close();
		await Promise.all(agents.map((a) => a.stop(15_000)));
		await edge?.stop();
		if (workDir) await rm(workDir, { recursive: true, force: true });
	});

	it("refuses a wrong admin key and keeps the sign-in form", async () => {
		const page = await harness().browser.newPage();
		await signIn(page, "sk-not-the-admin-key-000000");
		await expect
			.poll(() => page.getByRole("alert").textContent(), { timeout: 10_000 })
			.toContain("Incorrect admin key");
		expect(await page.getByRole("navigation", { name: "Views" }).count()).toBe(0);
		await page.close();
	});

	it("signs in and shows at least 3 zones with live nodes on the map and the agents in the nodes table", async () => {
		const page = await signedInPage();
		const live = page.locator("svg.map g.zone");
		await expect.poll(() => live.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
		for (const zoneId of ZONES) {
			await expect
				.poll(() => page.locator(`svg.map g.zone[aria-label^="${zoneId}:"]`).getAttribute("aria-label"), {
					timeout: 15_000,
				})
				.toMatch(/[1-9]\d* nodes live/);
		}
		await page.getByRole("link", { name: "Zones and nodes" }).click();
		for (const zoneId of ZONES) {
			await expect
				.poll(() => page.getByRole("table").nth(1).textContent(), { timeout: 10_000 })
				.toContain(`console-${zoneId}`);
		}
		// The session cookie reached the page only as HttpOnly: the page cannot read it.
		expect(await page.evaluate(() => document.cookie)).toBe("");
		const cookies = await page.context().cookies();
		expect(cookies.find((c) => c.name === "arcnet_console")).toMatchObject({
			httpOnly: true,
			secure: true,
			sameSite: "Strict",
		});
		await page.close();
	});

	it("shows a job sent through the API within 5 s, with its zone and routing explanation", async () => {
		const page = await signedInPage();
		await page.getByRole("link", { name: "Jobs" }).click();
		const res = await postChatCompletion(harness().edge, {
			model: MODEL,
			messages: [{ role: "user", content: "console" }],
		});
		expect(res.status).toBe(200);
		await res.text();
		const jobId = res.headers.get("x-arcnet-job-id") ?? "";
		const zone = res.headers.get("x-arcnet-zone") ?? "";
		expect(jobId).not.toBe("");
		const row = page.locator("tr", { hasText: jobId });
		await row.waitFor({ timeout: 5_000 });
		const text = (await row.textContent()) ?? "";
		expect(text).toContain(zone);
		expect(text).toMatch(/(balanced|carbon|latency|weights): \S+ \(score/);
		await row.getByRole("button", { name: jobId }).click();
		await expect.poll(() => page.locator("pre.record").textContent()).toContain('"candidates"');
		await page.close();
	});

	it("revokes a key from the console, after which the API refuses it", async () => {
		const created = await adminApi("/keys", {
			tenantId: "tenant_dev",
			name: "console-revoke-me",
			scopes: ["inference"],
		});
		expect(created.status).toBe(201);
		const { key } = (await created.json()) as { key: string };
		const models = () =>
			fetch(`${harness().edge.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
		expect(await models()).toBe(200);
		const page = await signedInPage();
		await page.getByRole("link", { name: "Admin" }).click();
		await page.getByRole("button", { name: "Revoke console-revoke-me" }).click();
		await expect
			.poll(() => page.locator('section[aria-labelledby="admin-h"] p.status').textContent(), { timeout: 10_000 })
			.toContain("Revoked key");
		await expect.poll(models, { timeout: 10_000 }).toBe(401);
		await page.close();
	});

	it("refuses a change sent from the page without the CSRF token", async () => {
		const page = await signedInPage();
		const status = await page.evaluate(async () => {
			const res = await fetch("/console/api/admin/tenants", {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: JSON.stringify({ name: "csrf-less" }),
			});
			return { status: res.status, body: await res.text() };
		});
		expect(status.status).toBe(403);
		expect(status.body).toContain("csrf_failed");
		const tenants = (await (await adminApi("/tenants")).json()) as { data: { name: string }[] };
		expect(tenants.data.map((t) => t.name)).not.toContain("csrf-less");
		await page.close();
	});

	it("stays the same size over many refreshes: DOM nodes, listeners and heap do not grow", async () => {
		const page = await signedInPage();
		await page.goto(`${harness().edge.url}/console/?poll_ms=200#/nodes`);
		const cdp = await page.context().newCDPSession(page);
		await cdp.send("Performance.enable");
		const ticks = () => page.locator("p.live").getAttribute("data-ticks").then(Number);
		const metrics = async () => {
			await cdp.send("HeapProfiler.collectGarbage");
			const { metrics } = await cdp.send("Performance.getMetrics");
			const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
			return { nodes: get("Nodes"), listeners: get("JSEventListeners"), heap: get("JSHeapUsedSize") };
		};
		await expect.poll(ticks, { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
		const early = await metrics();
		const start = await ticks();
		// 150 more refreshes: at the default 2 s, five minutes of an open console.
		await expect.poll(ticks, { timeout: 120_000, interval: 1_000 }).toBeGreaterThanOrEqual(start + 150);
		const late = await metrics();
		expect(late.nodes, JSON.stringify({ early, late })).toBeLessThanOrEqual(early.nodes * 1.2 + 200);
		expect(late.listeners, JSON.stringify({ early, late })).toBeLessThanOrEqual(early.listeners * 1.2 + 50);
		expect(late.heap, JSON.stringify({ early, late })).toBeLessThanOrEqual(early.heap * 1.5 + 2_000_000);
		expect(await page.locator("p.live").textContent()).toMatch(/^Live: updated/);
		await page.close();
	}, 180_000);

	it("has no serious or critical axe-core violation on any view, and writes screenshots at both sizes", async () => {
		const axeSource = await readFile(join(REPO_ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
		const page = await signedInPage();
		await expect.poll(() => page.locator("svg.map g.zone").count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
		await page.evaluate(axeSource);
		const problems: string[] = [];
		for (const size of SIZES) {
			await page.setViewportSize({ width: size.width, height: size.height });
			for (const view of VIEWS) {
				await page.evaluate((v) => {
					location.hash = `#/${v}`;
				}, view);
				await page.locator(`nav a[data-view="${view}"][aria-current]`).waitFor();
				await page.screenshot({ path: join(ARTIFACTS, `${view}-${size.name}.png`), fullPage: size.name === "desktop" });
				const violations = await page.evaluate(async () => {
					const axe = (
						window as unknown as {
							axe: {
								run: (
									ctx: Document,
								) => Promise<{ violations: { id: string; impact: string | null; nodes: unknown[] }[] }>;
							};
						}
					).axe;
					const result = await axe.run(document);
					return result.violations.map((v) => ({ id: v.id, impact: v.impact, count: v.nodes.length }));
				});
				for (const v of violations) {
					if (v.impact === "serious" || v.impact === "critical")
						problems.push(`${view} at ${size.name}: ${v.id} (${v.impact}, ${v.count} nodes)`);
				}
			}
		}
		expect(problems).toEqual([]);
		expect(pageProblems).toEqual([]);
		await page.close();
	});
});
