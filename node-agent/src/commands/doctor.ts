/**
 * `arcnet-agent doctor`: checks, in order, what a node needs to serve jobs
 * (configuration, identity, edge reachable, identity accepted, inference
 * server and its models, GPU telemetry) and prints each finding with how to
 * fix it. Later checks that depend on an earlier failure are skipped rather
 * than failing with a confusing second message.
 */
import { createBackend } from "../backends/index.js";
import type { AgentConfig } from "../config.js";
import { EdgeClient, EdgeHttpError } from "../edge-client.js";
import type { HttpFetch } from "../http-fetch.js";
import { type Identity, loadIdentity } from "../identity.js";
import { createTokenSource } from "../jwt.js";
import { errorMessage } from "../logger.js";
import { sampleNvidiaSmi } from "../telemetry/gpu-nvidia-smi.js";
import { createPowerReport, describePower } from "../telemetry/power-report.js";

/** One check's result: `ok`, `warn` (works, but not as configured) or `fail`; `fix` says what to do. */
export interface Finding {
	check: string;
	status: "ok" | "warn" | "fail" | "skip";
	detail: string;
	fix?: string;
}

/** Runs every check; `fetchImpl` lets tests point it at fakes. */
export async function diagnose(config: AgentConfig, fetchImpl?: HttpFetch): Promise<Finding[]> {
	const findings: Finding[] = [{ check: "config", status: "ok", detail: `valid (backend ${config.backend})` }];
	let identity: Identity | null = null;
	try {
		identity = loadIdentity(config.stateDir);
		findings.push({ check: "identity", status: "ok", detail: `${identity.nodeId} in zone ${identity.zoneId}` });
	} catch (err) {
		findings.push({
			check: "identity",
			status: "fail",
			detail: errorMessage(err),
			fix: `enroll first: arcnet-agent enroll --edge <url> --token <token> --state-dir ${config.stateDir}`,
		});
	}
	const edgeUrl = config.edgeUrl ?? identity?.edgeUrl;
	const f = fetchImpl ? { fetch: fetchImpl } : {};
	let reachable = false;
	if (!edgeUrl) {
		findings.push({
			check: "edge",
			status: "fail",
			detail: "no edge URL",
			fix: "pass --edge <url> or set ARCNET_EDGE_URL",
		});
	} else {
		try {
			await new EdgeClient({ edgeUrl, timeoutMs: 5000, ...f }).health();
			reachable = true;
			findings.push({ check: "edge", status: "ok", detail: `${edgeUrl} answers /healthz` });
		} catch (err) {
			findings.push({
				check: "edge",
				status: "fail",
				detail: `${edgeUrl}: ${errorMessage(err)}`,
				fix: "check the URL (--edge / ARCNET_EDGE_URL), DNS, and that outbound HTTPS to the edge is allowed",
			});
		}
	}
	if (identity && edgeUrl && reachable) {
		findings.push(await checkAccepted(identity, edgeUrl, f));
	} else {
		findings.push({ check: "accepted", status: "skip", detail: "needs an identity and a reachable edge" });
	}
	findings.push(await checkBackend(config, fetchImpl));
	findings.push(await checkGpu(config));
	findings.push(await checkPower(config));
	return findings;
}

async function checkAccepted(identity: Identity, edgeUrl: string, f: { fetch?: HttpFetch }): Promise<Finding> {
	try {
		const who = await new EdgeClient({ edgeUrl, tokens: createTokenSource(identity), timeoutMs: 5000, ...f }).whoami();
		return { check: "accepted", status: "ok", detail: `the edge accepts ${who.nodeId} (zone ${who.zoneId})` };
	} catch (err) {
		const revoked = err instanceof EdgeHttpError && err.revoked;
		const refused = err instanceof EdgeHttpError && err.status === 401;
		return {
			check: "accepted",
			status: "fail",
			detail: errorMessage(err),
			fix: revoked
				? "an operator revoked this node: ask for a new token and run enroll --force"
				: refused
					? "the edge refuses this key: check the host clock (JWTs live 60 s), or enroll again if the key was rotated elsewhere"
					: "see the detail; the edge's logs say more",
		};
	}
}

async function checkBackend(config: AgentConfig, fetchImpl?: HttpFetch): Promise<Finding> {
	const backend = createBackend({ ...config, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
	try {
		const models = await backend.listModels(AbortSignal.timeout(5000));
		if (models.length === 0) {
			return {
				check: "backend",
				status: "fail",
				detail: `${config.backend} at ${config.backendUrl} serves no models`,
				fix: config.backend === "ollama" ? "pull one: ollama pull llama3.1:8b" : "start the server with a model loaded",
			};
		}
		return { check: "backend", status: "ok", detail: `${backend.kind}: ${models.slice(0, 10).join(", ")}` };
	} catch (err) {
		return {
			check: "backend",
			status: "fail",
			detail: `${config.backend} at ${config.backendUrl}: ${errorMessage(err)}`,
			fix: "start the inference server, or fix --backend / --backend-url (and --backend-api-key)",
		};
	}
}

/** The `gpu` check: nvidia-smi reads every GPU (ok), lost some (warn), or cannot read any (warn, or fail with --gpu nvidia-smi). */
export async function checkGpu(config: AgentConfig): Promise<Finding> {
	if (config.gpu === "simulated") return { check: "gpu", status: "ok", detail: "simulated telemetry (as configured)" };
	const sample = await sampleNvidiaSmi(0, { command: config.nvidiaSmi });
	if (sample.hardware === "nvidia-smi") {
		const names = sample.gpus.map((g) => `${g.index}: ${g.name}`).join("; ");
		const detail = `nvidia-smi reads ${sample.gpus.length} GPU(s): ${names}`;
		if (!sample.problem) return { check: "gpu", status: "ok", detail };
		return {
			check: "gpu",
			status: "warn",
			detail: `${detail}; ${sample.problem}`,
			fix: "check the lost GPU with nvidia-smi -q and the kernel log; a GPU that fell off the bus needs a reset or a reboot",
		};
	}
	return {
		check: "gpu",
		status: config.gpu === "nvidia-smi" ? "fail" : "warn",
		detail: `${sample.problem ?? "nvidia-smi unavailable"}; telemetry will be simulated`,
		fix: "install the NVIDIA driver (nvidia-smi), or set --nvidia-smi <path>; --gpu simulated silences this on hosts without a GPU",
	};
}

async function checkPower(config: AgentConfig): Promise<Finding> {
	let problem: string | null = null;
	const power = await createPowerReport(config, (p) => {
		problem = p;
	})();
	if (problem !== null) {
		return {
			check: "power",
			status: "warn",
			detail: `${describePower(power)}; ${problem}`,
			fix: 'make --power-state-command print, or --power-state-file hold, JSON such as {"stateOfChargePct":80}',
		};
	}
	return { check: "power", status: "ok", detail: describePower(power) };
}

/** Formats findings as aligned lines: `ok    edge      detail` plus an indented `fix:` line. */
export function formatFindings(findings: Finding[]): string {
	return findings
		.map((x) => `${x.status.padEnd(5)} ${x.check.padEnd(9)} ${x.detail}${x.fix ? `\n      fix: ${x.fix}` : ""}`)
		.join("\n");
}

/** Prints the findings; exit 0 when nothing failed, 1 otherwise. */
export async function doctorCommand(config: AgentConfig, fetchImpl?: HttpFetch): Promise<number> {
	const findings = await diagnose(config, fetchImpl);
	process.stdout.write(`${formatFindings(findings)}\n`);
	return findings.some((x) => x.status === "fail") ? 1 : 0;
}
