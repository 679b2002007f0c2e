import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../node-agent/src/config.js";

function configFile(content: unknown): string {
	const dir = mkdtempSync(join(tmpdir(), "arcnet-agent-config-"));
	const path = join(dir, "agent.json");
	writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
	return path;
}

describe("agent config", () => {
	it("applies defaults when nothing is given", () => {
		const c = loadConfig({ flags: {}, env: {} });
		expect(c).toMatchObject({
			slots: 4,
			telemetryIntervalMs: 5000,
			pollWaitMs: 25_000,
			drainGraceMs: 30_000,
			backend: "openai",
			logFormat: "text",
			logLevel: "info",
			force: false,
		});
	});

	it("takes flags over env over the config file over defaults", () => {
		const configPath = configFile({ slots: 2, pollWaitMs: 1000, logLevel: "warn", models: ["file-model"] });
		const env = { ARCNET_SLOTS: "6", ARCNET_POLL_WAIT_MS: "2000" };
		const c = loadConfig({ flags: { slots: "8" }, env, configPath });
		expect(c.slots).toBe(8);
		expect(c.pollWaitMs).toBe(2000);
		expect(c.logLevel).toBe("warn");
		expect(c.models).toEqual(["file-model"]);
		expect(c.drainGraceMs).toBe(30_000);
	});

	it("splits comma-separated models from flags and env", () => {
		const c = loadConfig({ flags: { models: "a, b:7b ,c/d" }, env: { ARCNET_MODELS: "ignored" } });
		expect(c.models).toEqual(["a", "b:7b", "c/d"]);
	});

	it("names the field, the source, the value and what is allowed", () => {
		expect(() => loadConfig({ flags: { slots: "0" }, env: {} })).toThrow(
			'slots: expected an integer from 1 to 1024, got "0" (string) (from flag --slots)',
		);
		expect(() => loadConfig({ flags: {}, env: { ARCNET_BACKEND: "tgi" } })).toThrow(
			'backend: expected one of openai, ollama, simulated, got "tgi" (string) (from env ARCNET_BACKEND)',
		);
		const configPath = configFile({ telemetryIntervalMs: 2.5 });
		expect(() => loadConfig({ flags: {}, env: {}, configPath })).toThrow(
			/telemetryIntervalMs: expected an integer from 1000 to 60000, got 2\.5 \(number\) \(from config file/,
		);
	});

	it("takes the GPU source and nvidia-smi path, defaulting to auto, and refuses an unknown GPU source", () => {
		expect(loadConfig({ flags: {}, env: {} })).toMatchObject({ gpu: "auto", nvidiaSmi: "nvidia-smi" });
		const c = loadConfig({ flags: { "nvidia-smi": "/opt/nv/nvidia-smi" }, env: { ARCNET_GPU: "simulated" } });
		expect(c).toMatchObject({ gpu: "simulated", nvidiaSmi: "/opt/nv/nvidia-smi" });
		expect(() => loadConfig({ flags: { gpu: "rocm" }, env: {} })).toThrow(
			'gpu: expected one of auto, nvidia-smi, simulated, got "rocm" (string) (from flag --gpu)',
		);
	});

	it("takes the OTLP endpoint from a flag, env or the config file, off by default, and refuses a non-http URL", () => {
		expect(loadConfig({ flags: {}, env: {} }).otlpEndpoint).toBeUndefined();
		expect(loadConfig({ flags: { "otlp-endpoint": "http://127.0.0.1:4318" }, env: {} }).otlpEndpoint).toBe(
			"http://127.0.0.1:4318",
		);
		expect(loadConfig({ flags: {}, env: { ARCNET_OTLP_ENDPOINT: "https://otel.example:4318" } }).otlpEndpoint).toBe(
			"https://otel.example:4318",
		);
		const configPath = configFile({ otlpEndpoint: "http://collector:4318/otlp" });
		expect(loadConfig({ flags: {}, env: {}, configPath }).otlpEndpoint).toBe("http://collector:4318/otlp");
		expect(() => loadConfig({ flags: { "otlp-endpoint": "grpc://127.0.0.1:4317" }, env: {} })).toThrow(
			/otlpEndpoint: expected an http\(s\) URL .*got "grpc:\/\/127\.0\.0\.1:4317".*\(from flag --otlp-endpoint\)/,
		);
	});

	it("reports every bad field at once", () => {
		try {
			loadConfig({ flags: { "log-format": "xml", edge: "ftp://x" }, env: {} });
			expect.unreachable();
		} catch (err) {
			expect(err).toBeInstanceOf(ConfigError);
			const msg = (err as Error).message;
			expect(msg).toContain('logFormat: expected one of text, json, got "xml"');
			expect(msg).toContain('edgeUrl: expected an http(s) URL such as http://127.0.0.1:8787, got "ftp://x"');
		}
	});

	it("refuses unknown keys and non-JSON in the config file", () => {
		expect(() => loadConfig({ flags: {}, env: {}, configPath: configFile({ slot: 3 }) })).toThrow(/unknown keys slot/);
		expect(() => loadConfig({ flags: {}, env: {}, configPath: configFile("{nope") })).toThrow(/is not valid JSON/);
	});
});
