/**
 * ops/alerts.yml: promtool accepts the rules, its unit tests (ops/alerts.test.yml)
 * show each alert firing on its problem only, and every alert has a runbook
 * entry in docs/operations.md.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prometheusTools, promtool } from "../support/prometheus-tools.js";

const tools = prometheusTools();
if (!tools.ok) console.warn(`skipping the promtool checks of ops/alerts.yml: ${tools.reason}`);

const rules = readFileSync(new URL("../../ops/alerts.yml", import.meta.url), "utf8");
const alertNames = [...rules.matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1] ?? "");

describe("ops/alerts.yml", () => {
	it.skipIf(!tools.ok)("passes promtool check rules", () => {
		if (!tools.ok) return;
		const checked = promtool(tools, ["check", "rules", "ops/alerts.yml"]);
		expect(checked.output).toContain(`SUCCESS: ${alertNames.length} rules found`);
		expect(checked.status).toBe(0);
	});

	it.skipIf(!tools.ok)("passes its unit tests: each alert fires on its problem and not on a healthy neighbour", () => {
		if (!tools.ok) return;
		const tested = promtool(tools, ["test", "rules", "ops/alerts.test.yml"]);
		expect(tested.output).toContain("SUCCESS");
		expect(tested.status).toBe(0);
	});

	it("has a unit test and a runbook entry in docs/operations.md for every alert", () => {
		const tests = readFileSync(new URL("../../ops/alerts.test.yml", import.meta.url), "utf8");
		const runbook = readFileSync(new URL("../../docs/operations.md", import.meta.url), "utf8");
		expect(alertNames.length).toBeGreaterThanOrEqual(9);
		for (const name of alertNames) {
			expect(tests, name).toContain(`alertname: ${name}`);
			expect(runbook, name).toMatch(new RegExp(`^### ${name}$`, "m"));
			expect(rules, name).toContain(`docs/operations.md#${name.toLowerCase()}`);
		}
	});
});
