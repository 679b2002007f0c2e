/**
 * Renders a status snapshot as a terminal view that reads well over SSH:
 * plain text columns, at most 80 characters wide, with optional ANSI colour
 * for the connection state. A snapshot older than the agent's intervals allow
 * (status-file.ts, staleAfterMs) is flagged stale: the agent is not writing it any more.
 */
import type { GpuReading } from "../../src/protocol/agent-wire.js";
import type { StatusSnapshot } from "./status-file.js";
import { describePower } from "./telemetry/power-report.js";

export interface RenderOptions {
	/** Epoch ms "now", for ages and staleness. */
	now: number;
	/** Colour the connection state with ANSI escapes. Default false. */
	color?: boolean;
	/** A snapshot older than this is marked stale. Default 15 000 ms. */
	staleAfterMs?: number;
}

const GREEN = "\u001b[32m";
const YELLOW = "\u001b[33m";
const RED = "\u001b[31m";
const RESET = "\u001b[0m";

function n(value: number | null, unit: string, digits = 0): string {
	return value === null ? "n/a" : `${value.toFixed(digits)}${unit}`;
}

function gpuLine(g: GpuReading): string {
	const vram =
		g.memoryUsedMiB === null || g.memoryTotalMiB === null
			? "n/a"
			: `${(g.memoryUsedMiB / 1024).toFixed(1)}/${(g.memoryTotalMiB / 1024).toFixed(1)} GiB`;
	const power = `${n(g.powerDrawW, "")}/${n(g.powerLimitW, " W")}`;
	return `  ${String(g.index).padEnd(3)} ${g.name.slice(0, 26).padEnd(26)} ${n(g.utilizationPct, "%").padStart(5)} ${vram.padStart(16)} ${n(g.temperatureC, " C").padStart(6)} ${power.padStart(12)}`;
}

function age(ms: number): string {
	const s = Math.max(0, Math.round(ms / 1000));
	return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** The view as lines of text (no trailing newline). */
export function renderStatus(s: StatusSnapshot, options: RenderOptions): string {
	const paint = (text: string, colour: string) => (options.color ? `${colour}${text}${RESET}` : text);
	const stale = options.now - s.updatedAt > (options.staleAfterMs ?? 15_000);
	const stateColour = s.connection === "connected" ? GREEN : s.connection === "starting" ? YELLOW : RED;
	const lines = [
		`arcnet-agent  node ${s.nodeId}  zone ${s.zoneId}  pid ${s.pid}`,
		`edge    ${s.edgeUrl}  ${paint(s.connection, stateColour)}${s.transport ? ` via ${s.transport}` : ""}${s.draining ? "  (draining)" : ""}`,
		`updated ${age(options.now - s.updatedAt)} ago${stale ? `  ${paint("STALE: the agent has stopped writing status", RED)}` : ""}`,
		`backend ${s.backend}  models ${s.models.join(", ") || "(none)"}`,
		`power   ${describePower(s.power)}`,
		`host    cpu ${s.host.cpuPct.toFixed(1)}%  mem ${(s.host.memUsedBytes / 2 ** 30).toFixed(1)}/${(s.host.memTotalBytes / 2 ** 30).toFixed(1)} GiB`,
		"",
		`GPUs (${s.hardware})${s.gpuProblem ? `  ${paint(`nvidia-smi: ${s.gpuProblem}`, YELLOW)}` : ""}`,
		`  ${"#".padEnd(3)} ${"name".padEnd(26)} ${"util".padStart(5)} ${"vram".padStart(16)} ${"temp".padStart(6)} ${"power".padStart(12)}`,
		...s.gpus.map(gpuLine),
		"",
		`jobs ${s.running.length}/${s.slots}  queued ${s.queueDepth}  ${s.tokensPerSecond.toFixed(1)} tokens/s`,
		...s.running.map(
			(r) =>
				`  ${r.jobId}  attempt ${r.attempt}  ${r.model.slice(0, 30)}  ${r.queued ? "queued" : "running"} ${age(options.now - r.startedAt)}`,
		),
	];
	return lines.join("\n");
}
